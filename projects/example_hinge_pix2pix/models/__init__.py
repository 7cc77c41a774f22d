"""Components of the example project; importing registers them."""
from .resnet_generator import ExampleResnetGenerator

__all__ = ['ExampleResnetGenerator']
