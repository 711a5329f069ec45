"""Bitstring Status List v1.0: the codec (:mod:`.bitstring`), the entries credentials carry
(:mod:`.entries`), publishing signed lists (:mod:`.publish`), and the verifier's side: where
cached lists are found (:mod:`.source`) and how entries and lists are read (:mod:`.reading`).
"""
