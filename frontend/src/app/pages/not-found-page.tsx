import { Link } from "react-router";

import { StepHeading } from "@/lib/components/step-heading";
import { usePageTitle } from "@/lib/use-page-title";

export function NotFoundPage() {
  usePageTitle("Page not found");
  return (
    <section className="step" aria-labelledby="not-found-heading">
      <StepHeading id="not-found-heading" testId="not-found-heading">
        There is no page here
      </StepHeading>
      <p>
        The address may be mistyped, or the page may have moved. <Link to="/">Go to the start</Link>.
      </p>
    </section>
  );
}
