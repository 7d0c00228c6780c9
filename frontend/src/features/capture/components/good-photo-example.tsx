import goodPhotoUrl from "../assets/good-photo.svg";

const DESCRIPTION =
  "Example of a good photo: the side of a head, straight on, hair tucked back, the whole ear in the picture " +
  "and a bank card held flat against the cheek just in front of the ear, with all four corners visible.";

/** Our own drawing of a good ear photo, so a shopper sees what to aim for before and after a retake. */
export function GoodPhotoExample({ compact = false }: { compact?: boolean }) {
  return (
    <figure className={compact ? "good-photo good-photo--compact" : "good-photo"} data-testid="good-photo-example">
      <img src={goodPhotoUrl} alt={DESCRIPTION} width={320} height={240} />
      <figcaption>A good photo: the whole ear, and the card flat beside it with its four corners in view.</figcaption>
    </figure>
  );
}
