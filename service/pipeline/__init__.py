"""The request pipeline: the one in-process Checker over the stages.

Also the answer summary, shared embedding batches and the demo data.
"""
