import type { FormFactor } from "@/lib/schemas";

import earHook from "../assets/ear-hook.svg";
import earbud from "../assets/earbud.svg";
import inEar from "../assets/in-ear.svg";
import onEar from "../assets/on-ear.svg";
import open from "../assets/open.svg";
import overEar from "../assets/over-ear.svg";

// Our own drawings, one per kind: the catalog has no product photos, and a kind is what a shopper
// needs to picture when reading "ear-hook" or "open-ear".
const ILLUSTRATION: Record<FormFactor, string> = {
  in_ear: inEar,
  earbud,
  over_ear: overEar,
  on_ear: onEar,
  open,
  ear_hook: earHook,
};

/** A drawing of the product's kind; decorative, since the kind is written beside it. */
export function ProductImage({ formFactor }: { formFactor: FormFactor }) {
  return <img className="product__image" src={ILLUSTRATION[formFactor]} alt="" width={160} height={120} data-testid="product-image" />;
}
