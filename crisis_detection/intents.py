"""The intents the crisis net sets (component.py), named once for everything that reads them:
the forms (actions/forms.py), the channels' own crisis replies (channels/replies.py), staff
flags and alerts (staff_review/sync.py). The rules name them too (data/rules/crisis.yml).

No imports: the action server's image (deploy/Dockerfile.actions) has no Rasa.
"""
CRISIS = "crisis"
# A crisis the classifier suspects (0.5 to 0.8): the check-in question outside a form.
CHECK_IN = "crisis_check_in"
# A crisis only the classifier finds, 0.8 to 0.9: the crisis reply outside a form.
LIKELY = "crisis_likely"

# Outside a form, these get the crisis reply; staff see each as a crisis.
CRISIS_REPLY = frozenset({CRISIS, LIKELY})
# A form takes these as its answer, and says the crisis lines before its next question.
FORM_ANSWERS = frozenset({LIKELY, CHECK_IN})
