"""The services other than fines as forms: the questions, the review, and what paying does.

No Kivy here. A flow lists its form's fields (they may depend on earlier answers), turns the
answers into a review the citizen confirms (with a quote for a paid service), and says which
field to go back to when the ministry refuses something the citizen typed.
"""
