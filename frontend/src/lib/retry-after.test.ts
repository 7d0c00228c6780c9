import { parseRetryAfter, waitInWords } from "./retry-after";

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates, and nothing else", () => {
    const now = Date.parse("2026-11-23T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Mon, 23 Nov 2026 10:45:00 GMT", now)).toBe(2700);
    expect(parseRetryAfter("Mon, 23 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("waitInWords", () => {
  it.each([
    [3, "in a few seconds"],
    [30, "in about 30 seconds"],
    [65, "in about a minute"],
    [2717, "in about 45 minutes"],
    [3600, "in about an hour"],
    [7300, "in about 2 hours"],
    [90000, "tomorrow"],
  ])("%i seconds is %s", (seconds, words) => {
    expect(waitInWords(seconds)).toBe(words);
  });
});
