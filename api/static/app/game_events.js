// Events in words, for the toasts and the notification list: xp.gained, level.up, badge.earned,
// the streak's events and a class's new assignment. Other events (documents, exports) are not
// shown.

import { shortDate } from "./lib.js";

export const GAME_EVENTS = new Set([
  "xp.gained", "level.up", "badge.earned", "streak.extended", "streak.frozen", "streak.lost", "assignment.published",
]);

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function reward({ xp = 0, crystals = 0, sparks = 0 }) {
  const parts = [xp && `+${xp} XP`, crystals && `+${plural(crystals, "crystal")}`, sparks && `+${plural(sparks, "spark")}`];
  return parts.filter(Boolean).join(", ");
}

/** {icon, title, text, prominent} for a game event, or null for any other event. */
export function describe({ type, data }) {
  switch (type) {
    case "xp.gained":
      return { icon: "✦", title: `+${data.amount} XP`, text: `${data.total} XP in all`, prominent: false };
    case "level.up":
      return {
        icon: "★", title: `Level ${data.level} reached!`, prominent: true,
        text: `You are a ${data.title}. ${reward({ crystals: data.crystals, sparks: data.sparks })}`,
      };
    case "badge.earned":
      return {
        icon: data.icon, title: `Badge earned: ${data.name}`, prominent: true,
        text: `${data.description} ${reward(data.reward ?? {})}`.trim(),
      };
    case "streak.extended":
      return { icon: "↑", title: `${plural(data.days, "day")} in a row`, text: "Your streak grows.", prominent: false };
    case "streak.frozen":
      return {
        icon: "❄", title: "A streak freeze saved your streak", prominent: false,
        text: `${plural(data.days.length, "missed day")} covered; ${plural(data.freezes_left, "freeze")} left.`,
      };
    case "streak.lost":
      return { icon: "↓", title: `Your ${data.days}-day streak ended`, text: "Study today to start a new one.", prominent: false };
    case "assignment.published":
      return {
        icon: "✎", title: `New assignment: ${data.title}`, prominent: true,
        text: `${data.class_name}, due ${shortDate(data.due_at)}.`,
      };
    default:
      return null;
  }
}
