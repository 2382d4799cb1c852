"""The crisis safety net: a deterministic lexicon in front of the intent classifier.

`matcher.CrisisMatcher` finds crisis phrases (lexicon.yml) in a spaCy Doc;
`component.CrisisSafetyNet` runs it inside Rasa's NLU pipeline and overrides the
predicted intent with `crisis` when it matches, so that a misclassification
cannot hide a crisis.
"""
