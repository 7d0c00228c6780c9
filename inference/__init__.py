"""earfit inference: ear photo in, typed measurements out.

Pure Python + numpy + onnxruntime + Pillow; no Django imports. The Django side passes bytes in
and gets frozen dataclasses out. Public entry points:

- ``preprocess.decode_photo`` / ``preprocess.reencode_for_storage``
- ``predict.analyse_photo`` / ``predict.render_overlay``
- ``registry.default_spec`` / ``registry.load_spec``
- ``postprocess.tip_size_from_notch``
"""
