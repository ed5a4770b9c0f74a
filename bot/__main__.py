"""`python -m bot`: the Telegram bot is not configured yet (it arrives with its own issue)."""
print("mechta bot: not configured yet")
