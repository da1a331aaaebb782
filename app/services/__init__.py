"""The domain layer: plain functions shared by the API, admin, hooks and jobs."""
