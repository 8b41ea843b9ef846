"""Neural painters: differentiable imitations of MyPaint brushes (action -> stroke alpha)."""

from brushcli.painters.config import PainterConfig
from brushcli.painters.painter import Painter
from brushcli.painters.registry import DEFAULT_PAINTER, create_painter, list_painters

__all__ = ["DEFAULT_PAINTER", "Painter", "PainterConfig", "create_painter", "list_painters"]
