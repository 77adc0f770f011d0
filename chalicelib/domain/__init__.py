"""The pure domain core: no boto3, no I/O, no clock reads. Everything here is a function of its
arguments, so it is fast to test and safe to reuse in every Lambda."""
