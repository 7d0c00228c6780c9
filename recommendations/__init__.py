"""The shopper's side of earfit, one package per concern: catalog/, questionnaire/, fittings/,
photos/, measuring/, ranking/ (pure); each writes in `services` and reads in `selectors`. The
README's "Architecture" draws what may import what; `make lint` holds the code to it."""
