"""`python -m scheduler`: the scheduler is not configured yet (it arrives with its own issue)."""
print("mechta scheduler: not configured yet")
