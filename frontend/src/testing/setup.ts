import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";

import { reloadAnswersDraft } from "@/lib/answers-draft";
import { reloadSavedFittings } from "@/lib/fitting-keys";

// jsdom has no object URLs; images only need a distinct string each time.
let objectUrlCount = 0;
if (!URL.createObjectURL) {
  URL.createObjectURL = () => `blob:test/${++objectUrlCount}`;
  URL.revokeObjectURL = () => undefined;
}

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  reloadSavedFittings();
  reloadAnswersDraft();
});

afterEach(() => {
  cleanup();
});
