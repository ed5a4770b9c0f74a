from core.lru import BoundedDict


def test_keeps_the_most_recently_set_keys_and_reading_does_not_reorder() -> None:
    memo: BoundedDict[str, int] = BoundedDict(2)
    memo["a"], memo["b"] = 1, 2
    assert memo["a"] == 1  # a read: "a" stays the oldest
    memo["c"] = 3
    assert list(memo) == ["b", "c"]
    memo["b"] = 20  # setting again makes it the newest
    memo["d"] = 4
    assert dict(memo) == {"b": 20, "d": 4}
