from . import outputs
from .syn_data_sample import SynDataSample

__all__ = ['SynDataSample', 'outputs']
