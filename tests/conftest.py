"""Suite-wide fixtures."""
import logging

import pytest


@pytest.fixture(autouse=True)
def _drop_closed_log_file_handlers():
    """A Runner closes its log file at the end of a test but stays mmengine's
    current logger; a later test in the same worker that logs through it
    (e.g. ``BaseModule.init_weights`` dumping init info) would write to the
    closed stream. Remove such handlers after every test, so no test depends
    on which tests ran before it in its worker."""
    yield
    from mmengine.logging import MMLogger
    for logger in list(MMLogger._instance_dict.values()):
        for handler in list(logger.handlers):
            if isinstance(handler, logging.FileHandler) and \
                    handler.stream is None:
                logger.removeHandler(handler)
