"""What tests share: fixtures' helpers, fakes of the outside world, readers of results."""
