// Achievements: the game card (level, XP, currencies, streak and freezes), the profile theme,
// and every badge, earned ones with what they paid, locked ones with the progress towards them.
import { html, useEffect, useState } from "./lib.js";
import { api } from "./api.js";
import { useEvents } from "./events.js";
import { ProfileCard, ThemePicker, useGame } from "./profile_card.js";

export function AchievementsView() {
  const { game, error, load } = useGame();
  return html`
    <div class="page achievements">
      <h1>Achievements</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${game && html`
        <div class="achievements-grid">
          <${ProfileCard} game=${game} onChanged=${load} />
          <${ThemePicker} game=${game} onChanged=${load} />
        </div>`}
      <${Badges} />
    </div>`;
}

function reward({ xp, crystals, sparks }) {
  return [xp && `${xp} XP`, crystals && `${crystals} crystals`, sparks && `${sparks} sparks`].filter(Boolean).join(", ");
}

function Badges() {
  const [badges, setBadges] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api("/gamification/badges").then(setBadges).catch((failure) => setError(failure.message));
  useEffect(() => { load(); }, []);
  // Progress moves with study (sets, streaks, cards): read again on each award.
  useEvents(({ type }) => { if (type === "xp.gained" || type === "badge.earned") load(); });
  const earned = (badges ?? []).filter((badge) => badge.earned);
  const locked = (badges ?? []).filter((badge) => !badge.earned);
  return html`
    <section class="card" aria-labelledby="badges-title">
      <h2 id="badges-title">Badges</h2>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${badges && html`
        <p class="muted small" data-testid="badge-count">${earned.length} of ${badges.length} earned</p>
        <h3 id="earned-title">Earned</h3>
        ${earned.length === 0 && html`<p class="empty">None yet: finish a practice set for your first.</p>`}
        <ul class="badge-list" aria-labelledby="earned-title">
          ${earned.map((badge) => html`<${BadgeItem} key=${badge.badge} badge=${badge} />`)}
        </ul>
        <h3 id="locked-title">Still to earn</h3>
        <ul class="badge-list" aria-labelledby="locked-title">
          ${locked.map((badge) => html`<${BadgeItem} key=${badge.badge} badge=${badge} />`)}
        </ul>`}
    </section>`;
}

function BadgeItem({ badge }) {
  return html`
    <li class=${`badge-item rarity-${badge.rarity} ${badge.earned ? "earned" : "locked"}`} data-badge=${badge.badge}>
      <span class="badge-icon" aria-hidden="true">${badge.icon}</span>
      <div class="badge-body">
        <p class="badge-name">${badge.name} <span class=${`badge rarity ${badge.rarity}`}>${badge.rarity}</span></p>
        <p class="small">${badge.description}</p>
        <p class="muted small">${badge.earned ? "Paid" : "Pays"} ${reward(badge.reward)}</p>
        ${!badge.earned && html`
          <div class="badge-progress">
            <progress value=${badge.progress} max=${badge.goal}
              aria-label=${`Progress to ${badge.name}: ${badge.progress} of ${badge.goal}`}></progress>
            <span class="small" aria-hidden="true">${badge.progress} / ${badge.goal}</span>
          </div>`}
      </div>
    </li>`;
}
