"""Use cases the GUI and the command line call. No Qt."""
