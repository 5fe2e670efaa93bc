"""The verification stage: a claim and its evidence in, a label and a support score out.

Verifiers (similarity, trained signals, local NLI), the shipped model's loader, the LLM judge
cascade, sentence inheritance and tuning to a collection.
"""
