import { useEffect, useRef, type ReactNode } from "react";

/**
 * The heading of a step. Focus moves to it when the step appears, so a screen reader announces
 * where the shopper is now and keyboard users start at the top of the new content.
 */
export function StepHeading({ children, id, testId }: { children: ReactNode; id?: string; testId?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} id={id} tabIndex={-1} className="step-heading" data-testid={testId}>
      {children}
    </h1>
  );
}
