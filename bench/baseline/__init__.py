"""The benchmark's baseline: the Channels tutorial's chat, served the same way as Hearth.

Not part of the product: nothing imports it but the benchmark runner.
"""
