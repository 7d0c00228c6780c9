"""The README's figures for a model version, written from its card (which ``evaluate_model --record``
wrote), so that the card, the README and the command agree: never typed by hand.

    python -m inference.training.card_report 2.0.0            # print the Markdown block
    python -m inference.training.card_report 2.0.0 --write README.md   # replace it between its markers

``tests/inference/test_calibration.py`` fails when a shipped 2.x card and its README block differ.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from inference.registry import MODELS_DIR, postprocessing_from_card

LABELS = {
    "ear_length": "ear length",
    "ear_width": "ear width",
    "concha_height": "concha height",
    "concha_width": "concha width",
    "intertragal_notch_width": "intertragal notch width",
}


def _ci(block: dict[str, Any] | None, *, percent: bool = False) -> str:
    if not block:
        return "—"
    low, high = block["ci95"]
    if percent:
        return f"{100 * block['value']:.1f} % ({100 * low:.1f}–{100 * high:.1f} %, n = {block['n']})"
    return f"{block['value']:.2f} ({low:.2f}–{high:.2f}, n = {block['n']})"


def begin_marker(version: str) -> str:
    return f"<!-- earnet-{version} figures: written by python -m inference.training.card_report {version} -->"


def end_marker(version: str) -> str:
    return f"<!-- end of earnet-{version} figures -->"


def _measurements(m: dict[str, Any]) -> list[str]:
    lines = ["| measurement | MAE mm | p95 mm | truth within ±1σ | within ±2σ |", "|---|---|---|---|---|"]
    for name, label in LABELS.items():
        lines.append(
            f"| {label} | {_ci(m['mae_mm'][name])} | {m['p95_abs_error_mm'][name]} | "
            f"{_ci(m['within_1_sigma'][name])} | {_ci(m['within_2_sigma'][name])} |"
        )
    return lines


def _negatives(m: dict[str, Any]) -> str:
    neg = m.get("negative_set")
    if not neg:
        return "- Negative set: not scored in this run."
    rate = neg["ear_false_accept_rate"]
    cp, bp = rate["ci95_clopper_pearson"], rate["ci95_bootstrap_over_pictures"]
    return (
        f"- Negative set, {neg.get('half', 'evaluation split')}: {neg['photos']} phone-size photos of "
        f"{neg['pictures']} free-licence pictures ({neg['with_drawn_card']} with a drawn card): ear claimed on "
        f"{neg['ear_false_accepts']} ({100 * rate['value']:.1f} %, 95 % CI {100 * cp[0]:.1f}–{100 * cp[1]:.1f} % "
        f"Clopper–Pearson, {100 * bp[0]:.1f}–{100 * bp[1]:.1f} % bootstrap over pictures); photos given "
        f"millimetres: {neg['photos_with_mm']}. False accepts by kind of picture: "
        f"{json.dumps(neg['false_accepts_by_category'])}{_by_picture(neg)}."
    )


def _by_picture(neg: dict[str, Any]) -> str:
    pictures = neg.get("false_accepts_by_picture")
    if not pictures:
        return ""
    listed = ", ".join(f"{name} {p['ear_claimed']} of {p['views']}" for name, p in pictures.items())
    return f"; by picture: {listed}"


def _ceiling(cal: dict[str, Any]) -> str:
    if "max_length_rel_sigma" not in cal:
        return ""
    return (
        f"; millimetres refused when the ear length's uncertainty exceeds {100 * cal['max_length_rel_sigma']:.2f} % "
        "of it (the largest on the calibration renders given millimetres)"
    )


def _landmark_gate(presence: dict[str, Any]) -> str:
    gate = presence.get("min_landmark_confidence")
    return f", landmarks' mean confidence at least {gate}" if gate else ""


def _card_presence(rule: str) -> str:
    return " (on the mean of the full-frame and the zoomed card crop's logits)" if rule == "full_frame_and_crop" else ""


def _decisions(cal: dict[str, Any], card_presence: str = "full_frame") -> list[str]:
    p, on = cal.get("presence", {}), cal.get("on_calibration", {})
    if "card_threshold" not in p:
        return []
    neg = on["negatives"]
    return [
        f"- Decisions, chosen on calibration data only (seeds {cal['seeds']}; {cal['negatives']}) and shipped in "
        f"the card: ear presence Platt scale {p['scale']}, bias {p['bias']}, threshold {p['threshold']} "
        f"(landmarks with an ear's proportions) and {p.get('threshold_unshaped', p['threshold'])} (without)"
        f"{_landmark_gate(p)}; card threshold {p['card_threshold']}{_card_presence(card_presence)}; uncertainty factors {json.dumps(cal['z_scale'])}{_ceiling(cal)}. On the calibration "
        f"data they give: no_ear right {on['no_ear_accuracy']}, ear recall {on['ear_recall']}, no_reference_card "
        f"right {on['no_reference_card_accuracy']} ({on['renders']} renders); false accepts "
        f"{neg['negative_seen']['ear_false_accepts']} of {neg['negative_seen']['photos']} views of trained-on "
        f"pictures and {neg['negative_unseen']['ear_false_accepts']} of {neg['negative_unseen']['photos']} of "
        f"the calibration half (budget {cal['false_accept_budget']}), photos given millimetres "
        f"{neg['negative_seen']['photos_with_mm'] + neg['negative_unseen']['photos_with_mm']}."
    ]


def _conditions(m: dict[str, Any]) -> list[str]:
    lines = [
        "| condition | photos | ear length MAE mm | ear width MAE mm | given mm | no_ear right |",
        "|---|---|---|---|---|---|",
    ]
    for name, block in m["by_condition"].items():
        lines.append(
            f"| {name} | {block['photos']} | {_ci(block['ear_length_mae_mm'])} | {_ci(block['ear_width_mae_mm'])} | "
            f"{_ci(block['mm_given'], percent=True)} | {_ci(block['no_ear_accuracy'], percent=True)} |"
        )
    return lines


def _targets(targets: dict[str, Any]) -> str:
    met = [f"`{k}`" for k, t in targets.items() if t["met"]]
    missed = [f"`{k}` ({t['measured']})" for k, t in targets.items() if not t["met"]]
    return f"Targets met: {', '.join(met) or 'none'}. **Missed**: {', '.join(missed) or 'none'}."


def render(card: dict[str, Any], command: str) -> str:
    """The Markdown block for one card."""
    m, cal, version = card["metrics"], card.get("calibration", {}), card["version"]
    lines = [
        begin_marker(version),
        f"**EarNet {version}** (`{command}`; test seeds {m['seeds']}; the same figures are in the card, written by "
        "that command). Millimetres (MAE with 95 % CI and the number of photos measured in mm) and uncertainty "
        "coverage:",
        "",
        *_measurements(m),
        "",
        f"- `no_ear` decided right on {_ci(m['no_ear_accuracy'], percent=True)} of photos; `no_reference_card` on "
        f"{_ci(m['no_reference_card_accuracy'], percent=True)}.",
        f"- Photos with an ear and a card that got millimetres: {_ci(m['mm_given_on_photos_with_ear_and_card'], percent=True)}; "
        f"the rest were rejected or kept relative: {json.dumps(m['rejections_on_photos_with_ear_and_card'])}.",
        f"- Photos without a card given millimetres: {m['mm_given_without_card']['count']} of "
        f"{m['mm_given_without_card']['of']}.",
        _negatives(m),
        *_decisions(cal, postprocessing_from_card(card).card_presence),
        f"- Tip size: given on {m['tip_size']['given']} measured photos, agreeing with the true band on "
        f"{_ci(m['tip_size']['agreement_when_given'], percent=True)} of those. Seconds per photo of the "
        f"evaluation loop (rendering and analysis, on the shared machine): {m['seconds_per_photo']}.",
        "",
        "By condition:",
        "",
        *_conditions(m),
        "",
        _targets(card.get("targets", m["targets"])),
        "",
        f"Not known: {m['note']} The card's limitations: {' '.join(card.get('limitations', []))}",
        "",
        f"What a validation on real ears would take (the card's `validation_plan`): {card.get('validation_plan', '—')}",
        end_marker(version),
    ]
    return "\n".join(lines)


def replace_block(text: str, block: str, version: str) -> str:
    start, end = text.index(begin_marker(version)), text.index(end_marker(version)) + len(end_marker(version))
    return text[:start] + block + text[end:]


def readme_block(text: str, version: str) -> str:
    start, end = text.index(begin_marker(version)), text.index(end_marker(version)) + len(end_marker(version))
    return text[start:end]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version")
    parser.add_argument("--write", type=Path, default=None, help="a Markdown file holding the block's markers")
    args = parser.parse_args()
    card = json.loads((MODELS_DIR / f"earnet-{args.version}.json").read_text())
    block = render(card, card["metrics_command"])
    if args.write:
        args.write.write_text(replace_block(args.write.read_text(), block, args.version))
    else:
        print(block)


if __name__ == "__main__":
    main()
