// The game card: level and title, the XP bar to the next level, crystals and sparks, the streak
// with its freezes (and buying one), today's XP against the cap, and the profile theme (picked
// from those unlocked, or unlocked with crystals). Live: it reloads on each game event.
import { html, newId, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { useEvents } from "./events.js";
import { GAME_EVENTS } from "./game_events.js";

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The caller's game card from GET /gamification/me, reloaded on every game event. */
export function useGame() {
  const [game, setGame] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api("/gamification/me").then((card) => { setGame(card); setError(null); })
    .catch((failure) => setError(failure.message));
  useEffect(() => { load(); }, []);
  useEvents(({ type }) => { if (GAME_EVENTS.has(type)) load(); });
  return { game, error, load, setGame };
}

export function ProfileCard({ game, onChanged }) {
  const { level } = game;
  const earned = level.xp - level.level_xp;
  const span = level.next_level_xp - level.level_xp;
  return html`
    <section class=${`card profile theme-${game.theme}`} aria-labelledby="profile-title" data-testid="profile-card">
      <p class="level-number">Level <strong data-testid="level">${level.level}</strong></p>
      <h2 id="profile-title" class="profile-title">${level.title}</h2>
      <label class="xp-bar" for="xp-progress">
        <span>${earned} / ${span} XP to level ${level.level + 1}</span>
        <progress id="xp-progress" value=${earned} max=${span}></progress>
      </label>
      <p class="muted small">${level.xp} XP in all · today ${game.xp_today} of at most ${game.daily_xp_cap} from practice and reviews</p>
      <dl class="figures currencies">
        <div><dt>Crystals</dt><dd data-testid="crystals">${game.crystals}</dd></div>
        <div><dt>Sparks</dt><dd data-testid="sparks">${game.sparks}</dd></div>
        <div><dt>Streak</dt><dd data-testid="game-streak">${plural(game.streak.current, "day")}</dd></div>
        <div><dt>Streak freezes</dt><dd data-testid="freezes">${game.streak.freezes} of ${game.streak.max_freezes}</dd></div>
      </dl>
      <${FreezeShop} game=${game} onBought=${onChanged} />
    </section>`;
}

function FreezeShop({ game, onBought }) {
  const { freezes, max_freezes: most, freeze_price_sparks: price } = game.streak;
  const [status, setStatus] = useState(null);
  const [busy, setBusy] = useState(false);
  // One key per purchase until the server has answered it: a retry after a failure buys once.
  const key = useRef(null);
  const full = freezes >= most;
  const short = Math.max(0, price - game.sparks);
  const buy = async () => {
    setBusy(true);
    key.current ??= newId();
    try {
      const bought = await api("/gamification/streak-freezes", { method: "POST", headers: { "Idempotency-Key": key.current } });
      key.current = null;
      setStatus({ ok: true, text: `Bought a streak freeze: you hold ${bought.freezes} of ${most}.` });
      onBought();
    } catch (failure) {
      if (failure.status) key.current = null;  // answered: a new try is a new purchase
      setStatus({ ok: false, text: failure.message });
    } finally {
      setBusy(false);
    }
  };
  const why = full ? `You hold the most freezes there are (${most}).`
    : short ? `You need ${plural(short, "more spark")}.` : "A freeze covers one missed day of your streak.";
  return html`
    <div class="freeze-shop">
      <button type="button" onClick=${buy} disabled=${busy || full || short > 0} aria-describedby="freeze-why">
        Buy a streak freeze (${price} sparks)</button>
      <p class="muted small" id="freeze-why">${why}</p>
      <p class=${status?.ok === false ? "error small" : "small"} role="status">${status?.text ?? ""}</p>
    </div>`;
}

export function ThemePicker({ game, onChanged }) {
  const [themes, setThemes] = useState(null);
  const [status, setStatus] = useState(null);
  useEffect(() => { api("/gamification/themes").then(setThemes).catch((f) => setStatus({ ok: false, text: f.message })); }, [game.theme, game.crystals]);
  if (!themes) return null;
  const act = async (theme) => {
    try {
      if (!theme.unlocked) await api(`/gamification/themes/${theme.key}/unlock`, { method: "POST" });
      await api("/gamification/me", { method: "PATCH", body: { theme: theme.key } });
      setStatus({ ok: true, text: theme.unlocked ? `Now showing ${theme.name}.` : `Unlocked ${theme.name} for ${theme.crystals} crystals.` });
      onChanged();
    } catch (failure) {
      setStatus({ ok: false, text: failure.message });
    }
  };
  return html`
    <section class="card" aria-labelledby="themes-title">
      <h2 id="themes-title">Profile theme</h2>
      <p class="muted small">Crystals unlock themes for your game card. You have ${plural(game.crystals, "crystal")}.</p>
      <ul class="themes">
        ${themes.map((theme) => html`
          <li key=${theme.key} class="theme-choice">
            <span class=${`swatch theme-${theme.key}`} aria-hidden="true"></span>
            <span class="theme-name">${theme.name}</span>
            ${theme.active ? html`<span class="badge ready">In use</span>`
              : theme.unlocked ? html`<button type="button" class="quiet small" onClick=${() => act(theme)}>Use ${theme.name}</button>`
              : html`<button type="button" class="small" onClick=${() => act(theme)} disabled=${game.crystals < theme.crystals}>
                  Unlock<span class="visually-hidden"> ${theme.name}</span> for ${theme.crystals} crystals</button>`}
          </li>`)}
      </ul>
      <p class=${status?.ok === false ? "error small" : "small"} role="status">${status?.text ?? ""}</p>
    </section>`;
}
