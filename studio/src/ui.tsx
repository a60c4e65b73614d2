/** Small shared pieces: a message bar and the flags-a-day chart. */
import { MessageBar, MessageBarBody } from "@fluentui/react-components";
import type { ReactNode } from "react";

export function Notice({ intent, children }: { intent: "info" | "warning" | "error" | "success"; children: ReactNode }) {
  return (
    <MessageBar intent={intent} role={intent === "error" ? "alert" : "status"}>
      <MessageBarBody>{children}</MessageBarBody>
    </MessageBar>
  );
}

/** Flags a day as small bars, with the figures in words for screen readers. */
export function FlagsChart({ days }: { days: { day: string; flags: number }[] }) {
  const max = Math.max(1, ...days.map((d) => d.flags));
  const total = days.reduce((sum, d) => sum + d.flags, 0);
  const width = 4;
  return (
    <svg
      width={days.length * (width + 1)}
      height={24}
      role="img"
      aria-label={`${total} flags over the last ${days.length} days, at most ${Math.max(0, ...days.map((d) => d.flags))} in a day`}
    >
      {days.map((d, i) => {
        const h = d.flags === 0 ? 1 : Math.max(2, Math.round((d.flags / max) * 22));
        return <rect key={d.day} x={i * (width + 1)} y={24 - h} width={width} height={h} fill={d.flags === 0 ? "#8a8886" : "#0f6cbd"} />;
      })}
    </svg>
  );
}
