"""Words that tell what kind of answer a message is, shared by the Rasa server's
components and the action server (which has no Rasa installed): nothing here
imports more than the standard library."""
