/** A busy indicator with its words in an aria-live region, so the wait is announced too. */
export function Spinner({ label }: { label: string }) {
  return (
    <p className="spinner" role="status" aria-live="polite">
      <span className="spinner__circle" aria-hidden="true" />
      {label}
    </p>
  );
}
