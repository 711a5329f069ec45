"""The region's trust list: who may issue what, and who recognises whom (DESIGN.md)."""
