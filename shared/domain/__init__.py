"""The figures' domain, imported by the API and the worker alike: the engines (pure: numpy and the standard
library), and the reading, computing and writing of needs trends, calibration and payment statements that
must run in the caller's own transaction, whichever process the caller is."""
