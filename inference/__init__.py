"""earfit inference: ear photo in, typed measurements out.

Pure Python + numpy + onnxruntime + Pillow; no Django imports. The Django side passes bytes in
and gets frozen dataclasses out. Public entry points:

- ``preprocess.decode_photo`` / ``preprocess.reencode_for_storage``
- ``predict.analyse_photo`` (``version=`` picks a shipped model, ``stored_size=`` the coordinates'
  image) / ``predict.render_overlay``
- ``registry.default_spec`` / ``registry.spec_for_version`` / ``registry.available_versions`` /
  ``registry.load_spec``
- ``card_geometry.verify_card``: the reference card checked by its geometry
- ``postprocess.tip_size_from_notch``
"""
