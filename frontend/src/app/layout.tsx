import { Link, Outlet, useLocation } from "react-router";

import { StepIndicator, stepOfPath } from "./step-indicator";

/** Header with the progress, the page, and the footer every page shares. */
export function Layout() {
  const { pathname } = useLocation();
  const step = stepOfPath(pathname);
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <p className="brand">
          <Link to="/" aria-label="earfit home">
            ear<span>fit</span>
          </Link>
        </p>
        {step ? <StepIndicator current={step} /> : null}
      </header>
      <main id="main" className="main">
        <Outlet />
      </main>
      <footer className="site-footer">
        <p className="small">earfit suggests a starting fit; it cannot see inside your ear canal.</p>
      </footer>
    </div>
  );
}
