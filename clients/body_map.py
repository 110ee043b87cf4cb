"""Where each body region is drawn on the SVG body map.

Coordinates are in a 200 x 420 space per view, shown through VIEW_BOX. On the front view the
client's right side is on the viewer's left (as when facing the client); on the
back view it is on the viewer's right. Every code of body_regions has a shape.

Each view is a human silhouette with the regions drawn over it. On a 375 px
phone the views are one above the other and each is about 320 px wide (1.8 px
a unit), so every region is at least MIN_TARGET units in both directions:
where the body part itself is smaller (jaw, hands, shins, calves, feet) an
invisible hit area around it takes the tap.
"""

from django.utils.html import format_html

from .body_regions import BACK, FRONT

WIDTH = 200
# The figure spans x 22-178: the view box leaves out the empty margins, which
# makes every region bigger on screen.
VIEW_BOX = "12 0 176 420"
# 44 CSS px as long as a view is at least 276 px wide (28 of 176 units).
MIN_TARGET = 28


def _mirror(points):
    return [(WIDTH - x, y) for x, y in points]


def _numbers(points):
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _smooth_path(points):
    """A closed Catmull-Rom curve through the points, as cubic Bezier segments."""
    count = len(points)
    parts = [f"M{points[0][0]:g},{points[0][1]:g}"]
    for i in range(count):
        p0, p1, p2, p3 = (points[(i + k) % count] for k in (-1, 0, 1, 2))
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        parts.append(f"C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {p2[0]:g},{p2[1]:g}")
    return "".join(parts) + "Z"


# The viewer's left half of the outline, from the crown down the outside of
# the arm, round the hand, up into the armpit and down the leg to the crotch.
# Both views share it: from behind, a body's outline is its mirror image.
# fmt: off
_HALF_OUTLINE = [
    (100, 5), (88, 8), (80, 17), (77, 31), (79, 45), (84, 55), (89, 61),
    (89, 72), (80, 84), (62, 88), (50, 94), (45, 106), (42, 124), (39, 150),
    (36, 176), (32, 202), (28, 228), (26, 246), (22, 258), (22, 274), (28, 288),
    (37, 290), (45, 282), (50, 264), (53, 248), (57, 226), (62, 200), (66, 180),
    (70, 152), (74, 126), (76, 122), (77, 146), (79, 172), (76, 196), (69, 216),
    (67, 240), (68, 272), (70, 302), (69, 320), (70, 338), (69, 356), (73, 376),
    (77, 390), (73, 404), (72, 414), (80, 419), (95, 418), (97, 406), (95, 392),
    (96, 370), (97, 344), (97, 320), (97, 290), (98, 262), (100, 244),
]
# fmt: on
SILHOUETTE = _smooth_path(_HALF_OUTLINE + list(reversed(_mirror(_HALF_OUTLINE)))[1:-1])


def _region(points=None, ellipse=None, hit=None, smooth=False):
    """Prebuilt markup of one region: its visible shape, and a hit area if given.

    Written once at import as markup: a loop over each shape's attributes was
    most of the render time of a chart page with two body maps.
    """
    if ellipse:
        shape = format_html('<ellipse class="bm-shape" cx="{}" cy="{}" rx="{}" ry="{}"/>', *ellipse)
    elif smooth:
        shape = format_html('<path class="bm-shape" d="{}"/>', _smooth_path(points))
    else:
        shape = format_html('<polygon class="bm-shape" points="{}"/>', _numbers(points))
    if hit:
        # Drawn first so the visible shape keeps its own outline on top.
        x, y, w, h = hit
        shape = format_html(
            '<rect class="bm-hit" x="{}" y="{}" width="{}" height="{}"/>{}', x, y, w, h, shape
        )
    return shape


def _pair(right_code, left_code, points, hit, viewer_left, smooth=False):
    """One shape drawn on the viewer's left and mirrored onto the right.

    viewer_left is the code drawn on the viewer's left (the client's right on
    the front view, the client's left on the back view).
    """
    mirrored_hit = hit and (WIDTH - hit[0] - hit[2], hit[1], hit[2], hit[3])
    other = left_code if viewer_left == right_code else right_code
    return {
        viewer_left: _region(points, hit=hit, smooth=smooth),
        other: _region(_mirror(points), hit=mirrored_hit, smooth=smooth),
    }


def _front(right, left, points, hit=None, smooth=False):
    return _pair(right, left, points, hit, viewer_left=right, smooth=smooth)


def _back(right, left, points, hit=None):
    return _pair(right, left, points, hit, viewer_left=left)


# fmt: off
_HEAD = _region(ellipse=(100, 32, 22, 27))
# The top follows the chin, so the head's outline stays whole.
_NECK = [(89, 55), (94, 58), (100, 59), (106, 58), (111, 55), (112, 74), (126, 90), (74, 90),
         (88, 74)]
_SHOULDER = [(75, 91), (62, 91), (51, 97), (46, 107), (45, 120), (75, 120)]
_SHIN_OR_CALF = [(71, 338), (97, 338), (96, 366), (95, 390), (78, 390), (72, 368)]
_SHIN_HIT = (68, 338, MIN_TARGET, 52)

# Drawing order is the order here (later shapes are on top), and so is the Tab
# order: top down, the arms after the torso.
FRONT_SHAPES = {
    "head_face": _HEAD,
    **_front(
        "jaw_right", "jaw_left",
        # Along the jaw line, from below the ear to the chin.
        [(78.5, 38), (81, 45.5), (84.5, 51), (89, 55.4), (94.3, 58.1), (98.5, 59), (96, 53.5),
         (92.5, 51), (89.5, 48), (87, 44), (85.5, 38.5)],
        hit=(46, 40, 42, MIN_TARGET), smooth=True,
    ),
    "neck_front": _region(_NECK),
    "chest": _region([(77, 92), (123, 92), (124, 120), (124, 146), (76, 146), (76, 120)]),
    "abdomen": _region([(76, 148), (124, 148), (121, 172), (124, 198), (76, 198), (79, 172)]),
    **_front("shoulder_front_right", "shoulder_front_left", _SHOULDER),
    **_front("upper_arm_right", "upper_arm_left", [(45, 122), (74, 122), (67, 178), (38, 178)]),
    **_front("forearm_hand_right", "forearm_hand_left",
             [(38, 180), (66, 180), (54, 245), (27, 245)]),
    **_front(
        "hand_right", "hand_left",
        [(28, 247), (52, 247), (53, 258), (51, 271), (45, 284), (36, 289), (28, 286), (23, 274),
         (23, 259)],
        hit=(20, 247, 36, 42), smooth=True,
    ),
    **_front("hip_front_right", "hip_front_left",
             [(76, 200), (99, 200), (99, 240), (68, 240), (70, 216)]),
    **_front("thigh_front_right", "thigh_front_left", [(68, 242), (98, 242), (97, 304), (71, 304)]),
    "knee_right": _region(ellipse=(83.5, 321, 14.5, 15)),
    "knee_left": _region(ellipse=(116.5, 321, 14.5, 15)),
    **_front("shin_right", "shin_left", _SHIN_OR_CALF, hit=_SHIN_HIT),
    **_front(
        "foot_right", "foot_left",
        [(77, 392), (95, 392), (97, 405), (95, 417), (81, 418), (73, 413), (74, 403)],
        hit=(68, 390, 32, MIN_TARGET),
    ),
}

BACK_SHAPES = {
    "head_back": _HEAD,
    "neck_back": _region(_NECK),
    **_back(
        "upper_back_right", "upper_back_left",
        [(99, 92), (99, 140), (78, 140), (70, 128), (46, 122), (46, 107), (51, 97), (62, 91)],
    ),
    "mid_back": _region([(77, 142), (123, 142), (122, 172), (78, 172)]),
    "low_back": _region([(78, 174), (122, 174), (124, 204), (76, 204)]),
    **_back("glute_right", "glute_left", [(75, 206), (99, 206), (99, 246), (67, 246), (69, 222)]),
    **_back("hamstring_right", "hamstring_left", [(67, 248), (98, 248), (97, 336), (70, 336)]),
    **_back("calf_right", "calf_left", _SHIN_OR_CALF, hit=_SHIN_HIT),
}
# fmt: on

VIEWS = [
    ("front", "Front", FRONT, FRONT_SHAPES, ("R", "L")),
    ("back", "Back", BACK, BACK_SHAPES, ("L", "R")),
]


def body_map_views(selected=()):
    """The views to draw, each with its regions (in drawing order) and whether each is marked."""
    selected = set(selected or ())
    views = []
    for key, title, regions, shapes, sides in VIEWS:
        labels = dict(regions)
        views.append(
            {
                "key": key,
                "title": title,
                "sides": sides,
                "view_box": VIEW_BOX,
                "silhouette": SILHOUETTE,
                "regions": [
                    {
                        "code": code,
                        "label": labels[code],
                        "shape": shape,
                        "selected": code in selected,
                    }
                    for code, shape in shapes.items()
                ],
            }
        )
    return views
