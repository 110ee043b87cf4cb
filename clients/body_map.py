"""Where each body region is drawn on the SVG body map.

Coordinates are in a 200 x 420 view box per view. On the front view the
client's right side is on the viewer's left (as when facing the client); on the
back view it is on the viewer's right. Every code of body_regions has a shape.
"""

from django.utils.html import format_html_join

from .body_regions import BACK, FRONT


def _geometry(**attrs):
    # Written once as markup: a loop over each shape's attributes was most of
    # the render time of a chart page with two body maps.
    return format_html_join(" ", '{}="{}"', attrs.items())


def _rect(x, y, w, h, r=6):
    return ("rect", _geometry(x=x, y=y, width=w, height=h, rx=r))


def _ellipse(cx, cy, rx, ry):
    return ("ellipse", _geometry(cx=cx, cy=cy, rx=rx, ry=ry))


FRONT_SHAPES = {
    "head_face": _ellipse(100, 34, 22, 27),
    "neck_front": _rect(89, 62, 22, 16, 4),
    "shoulder_front_right": _ellipse(64, 92, 17, 13),
    "shoulder_front_left": _ellipse(136, 92, 17, 13),
    "chest": _rect(79, 80, 42, 50),
    "abdomen": _rect(79, 132, 42, 50),
    "upper_arm_right": _rect(43, 107, 19, 58),
    "upper_arm_left": _rect(138, 107, 19, 58),
    "forearm_hand_right": _rect(35, 168, 19, 82),
    "forearm_hand_left": _rect(146, 168, 19, 82),
    "hip_front_right": _rect(77, 184, 22, 34),
    "hip_front_left": _rect(101, 184, 22, 34),
    "thigh_front_right": _rect(77, 220, 22, 68),
    "thigh_front_left": _rect(101, 220, 22, 68),
    "knee_right": _ellipse(88, 300, 11, 11),
    "knee_left": _ellipse(112, 300, 11, 11),
    "shin_right": _rect(79, 313, 19, 70),
    "shin_left": _rect(102, 313, 19, 70),
    "foot_right": _ellipse(87, 396, 13, 9),
    "foot_left": _ellipse(113, 396, 13, 9),
}

BACK_SHAPES = {
    "head_back": _ellipse(100, 34, 22, 27),
    "neck_back": _rect(89, 62, 22, 16, 4),
    "upper_back_left": _rect(58, 80, 41, 45),
    "upper_back_right": _rect(101, 80, 41, 45),
    "mid_back": _rect(79, 127, 42, 28),
    "low_back": _rect(79, 157, 42, 26),
    "glute_left": _rect(77, 185, 22, 34),
    "glute_right": _rect(101, 185, 22, 34),
    "hamstring_left": _rect(77, 221, 22, 80),
    "hamstring_right": _rect(101, 221, 22, 80),
    "calf_left": _rect(79, 303, 19, 82),
    "calf_right": _rect(102, 303, 19, 82),
}

# Drawn for shape only (not clickable): the arms on the back view.
BACK_OUTLINE = [_rect(40, 107, 17, 140), _rect(143, 107, 17, 140)]

VIEWS = [
    ("front", "Front", FRONT, FRONT_SHAPES, ("R", "L"), []),
    ("back", "Back", BACK, BACK_SHAPES, ("L", "R"), BACK_OUTLINE),
]


def body_map_views(selected=()):
    """The views to draw, each with its regions and whether each is marked."""
    selected = set(selected or ())
    views = []
    for key, title, regions, shapes, sides, outline in VIEWS:
        views.append(
            {
                "key": key,
                "title": title,
                "sides": sides,
                "outline": [{"tag": tag, "geometry": geometry} for tag, geometry in outline],
                "regions": [
                    {
                        "code": code,
                        "label": label,
                        "tag": shapes[code][0],
                        "geometry": shapes[code][1],
                        "selected": code in selected,
                    }
                    for code, label in regions
                ],
            }
        )
    return views
