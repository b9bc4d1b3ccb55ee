"""Test documents for the parser: what a report says (`spec`), made-up reports (`synth`), the
same report in every format (`render`) and inputs meant to break the parser (`hostile`).

Other test packages (the fixture web, the crawler tests) build their documents with these too.
"""
