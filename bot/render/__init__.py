"""Texts built from service results (an analysis, a story, a checklist): HTML with every user string escaped."""
