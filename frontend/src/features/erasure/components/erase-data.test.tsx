import { screen, waitFor } from "@testing-library/react";
import * as z from "zod/mini";
import userEvent from "@testing-library/user-event";

import { apiUpload } from "@/lib/api-client";
import { getSavedFitting } from "@/lib/fitting-keys";
import { installFakeXhr } from "@/testing/fake-xhr";
import { ACCESS_TOKEN, FITTING_ID, keepTestFitting } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { renderWithClient } from "@/testing/render";

import { EraseData } from "./erase-data";

describe("EraseData", () => {
  beforeEach(() => keepTestFitting());

  it("asks first, then DELETEs with the token and forgets the fitting", async () => {
    const user = userEvent.setup();
    const onErased = vi.fn();
    const { calls } = stubFetch({ [`DELETE /api/v1/fittings/${FITTING_ID}`]: () => json(204, null) });
    const { client } = renderWithClient(<EraseData fittingId={FITTING_ID} onErased={onErased} />);
    client.setQueryData(["fittings", FITTING_ID, "recommendation"], { cached: true });

    await user.click(screen.getByTestId("erase-button"));
    expect(calls).toHaveLength(0);
    expect(screen.getByTestId("erase-confirm")).toHaveFocus();
    await user.click(screen.getByTestId("erase-confirm"));

    await waitFor(() => expect(onErased).toHaveBeenCalled());
    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe("DELETE");
    expect(calls[0]?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(getSavedFitting(FITTING_ID)).toBeNull();
    expect(localStorage.getItem("earfit.fittings")).toBeNull();
    expect(client.getQueryData(["fittings", FITTING_ID, "recommendation"])).toBeUndefined();
  });

  it("cancels a photo upload still in flight before erasing", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    stubFetch({ [`DELETE /api/v1/fittings/${FITTING_ID}`]: () => json(204, null) });
    const upload = apiUpload(`fittings/${FITTING_ID}/photos`, new FormData(), z.object({}));
    const settled = upload.catch((error: unknown) => error);
    renderWithClient(<EraseData fittingId={FITTING_ID} onErased={vi.fn()} />);

    await user.click(screen.getByTestId("erase-button"));
    await user.click(screen.getByTestId("erase-confirm"));

    expect(Xhr.sent[0]?.aborted).toBe(true);
    expect(await settled).toMatchObject({ name: "AbortError" });
  });

  it("can be cancelled without calling the server", async () => {
    const user = userEvent.setup();
    const { calls } = stubFetch({});
    renderWithClient(<EraseData fittingId={FITTING_ID} onErased={vi.fn()} />);
    await user.click(screen.getByTestId("erase-button"));
    await user.click(screen.getByTestId("erase-cancel"));
    expect(screen.getByTestId("erase-button")).toBeInTheDocument();
    expect(calls).toHaveLength(0);
    expect(getSavedFitting(FITTING_ID)).not.toBeNull();
  });

  it("keeps the fitting and shows the server's message when erasure fails", async () => {
    const user = userEvent.setup();
    const onErased = vi.fn();
    stubFetch({ [`DELETE /api/v1/fittings/${FITTING_ID}`]: () => apiError(500, "Storage is unavailable; try again shortly.", "unavailable") });
    renderWithClient(<EraseData fittingId={FITTING_ID} onErased={onErased} />);
    await user.click(screen.getByTestId("erase-button"));
    await user.click(screen.getByTestId("erase-confirm"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Storage is unavailable; try again shortly.");
    expect(onErased).not.toHaveBeenCalled();
    expect(getSavedFitting(FITTING_ID)).not.toBeNull();
  });
});
