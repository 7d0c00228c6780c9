export type StepName = "consent" | "questionnaire" | "capture" | "results";

export const STEPS: [StepName, string][] = [
  ["consent", "Consent"],
  ["questionnaire", "Questions"],
  ["capture", "Photos"],
  ["results", "Results"],
];

/** The step a page belongs to, from its address; null for pages outside the journey. */
export function stepOfPath(pathname: string): StepName | null {
  if (pathname === "/") return "consent";
  if (pathname.startsWith("/questions")) return "questionnaire";
  if (/^\/fitting\/[^/]+\/photos/.test(pathname)) return "capture";
  if (/^\/fitting\/[^/]+\/(results|compare)/.test(pathname)) return "results";
  return null;
}

export function StepIndicator({ current }: { current: StepName }) {
  const index = STEPS.findIndex(([name]) => name === current);
  return (
    <nav aria-label="Progress" className="steps-nav">
      <ol className="steps">
        {STEPS.map(([name, label], i) => (
          <li
            key={name}
            className={i < index ? "steps__item steps__item--done" : "steps__item"}
            aria-current={i === index ? "step" : undefined}
          >
            <span className="visually-hidden">{i < index ? "Completed: " : ""}</span>
            {label}
          </li>
        ))}
      </ol>
    </nav>
  );
}
