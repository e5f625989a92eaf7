"""Learned parts of the coder's structure (not its type models, which live in ``..models``):
the source/target role tagger (:mod:`.role_tagger`) and the event gate (:mod:`.gate`).

Both are rebuilt by ``tools/train_coder.py``; see ``MODEL_CARD.md`` in this folder.
"""
