"""Importing this package registers the example method's components."""
from .coarse_to_fine_gan import COARSE_IMG, ExampleCoarseToFineGAN
from .coarse_to_fine_generator import ExampleCoarseToFineGenerator

__all__ = ['COARSE_IMG', 'ExampleCoarseToFineGAN',
           'ExampleCoarseToFineGenerator']
