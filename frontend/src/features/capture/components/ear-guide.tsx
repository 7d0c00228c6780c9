/**
 * The outline drawn over the live camera: where the ear goes and where the card goes. The card
 * outline keeps the ID-1 ratio (85.60 × 53.98 mm) so a card that fills it is at the ear's depth.
 */
export function EarGuide({ side }: { side: "left" | "right" }) {
  // The card goes on the cheek, in front of the ear, where the skin is flat. Seen from the side,
  // the face is left of a left ear and right of a right ear.
  const earX = side === "left" ? 66 : 34;
  const cardX = side === "left" ? 12 : 58;
  const cardWidth = 30;
  const cardHeight = cardWidth / (85.6 / 53.98);
  return (
    <svg className="ear-guide" viewBox="0 0 100 75" preserveAspectRatio="xMidYMid meet" aria-hidden="true" focusable="false">
      <path
        d={`M ${earX} 12 C ${earX + 14} 12 ${earX + 16} 30 ${earX + 10} 42 C ${earX + 6} 50 ${earX + 6} 60 ${earX} 63 C ${earX - 8} 66 ${earX - 12} 56 ${earX - 12} 38 C ${earX - 12} 22 ${earX - 8} 12 ${earX} 12 Z`}
        className="ear-guide__ear"
      />
      <rect x={cardX} y={(75 - cardHeight) / 2} width={cardWidth} height={cardHeight} rx={1.5} className="ear-guide__card" />
      <text x={earX} y={71} textAnchor="middle" className="ear-guide__label">
        ear
      </text>
      <text x={cardX + cardWidth / 2} y={(75 - cardHeight) / 2 - 2} textAnchor="middle" className="ear-guide__label">
        card
      </text>
    </svg>
  );
}
