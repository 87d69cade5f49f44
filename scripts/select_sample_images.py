#!/usr/bin/python3
"""Select, clean and downscale Loupe's sample images from Debian's openclipart-png package.

Called by scripts/build-sample-images.sh; needs Debian's python3-pil (run it with /usr/bin/python3).

    select_sample_images.py PKG_ROOT OUT_DIR PKG_VERSION

PKG_ROOT is the directory the .deb was extracted into (it contains usr/share/openclipart/png);
OUT_DIR (sample-images/) must be empty or absent. Everything is deterministic: files are walked in
sorted order and every random choice comes from random.Random(SEED).

Layout written (see the README this writes for the details):
    labelled/<class>/<class>-NN.png    LABELLED_PER_CLASS examples of each labelled class
    pool/img-NNNN.png                  the rest, shuffled, names carry no class
    SOURCES.csv                        file,category,source (ground truth for every shipped file)
    TRAINING-EXCLUDE.txt               package paths to leave out when training on openclipart
    README.md
"""
import csv
import hashlib
import io
import os
import random
import re
import sys

from PIL import Image

Image.MAX_IMAGE_PIXELS = None  # a few clip-art PNGs are 10,000 x 16,000 px; they are trusted files

SEED = 20240611
MAX_SIDE = 256          # longest side of a shipped image
MIN_SIDE = 48           # skip files smaller than this (px, shorter side)
MIN_DRAWING = 64        # skip pictures whose drawing (cropped, longest side) is smaller than this
MIN_INK = 0.04          # skip nearly blank images: fraction of drawn pixels in the cropped image
MARGIN = 0.04           # transparent (or white) border added around the cropped drawing
MAX_PER_CLASS = 64      # cap per class (random, seeded) so the classes stay roughly balanced
LABELLED_PER_CLASS = 8
DHASH_MAX_DIST = 8      # two images whose 256-bit dHashes differ in <= this many bits are "the same"

PNG_DIR = "usr/share/openclipart/png"

# Classes, in order. The last one is POOL_ONLY: it appears only in pool/, never in labelled/.
# "dirs": folders under usr/share/openclipart/png; "name/" = whole subtree, "name/*" = only the files
# directly in that folder. "exclude": paths (relative to png/) or folders ending in "/" to leave
# out: not that class (road signs, diagrams, logos), mostly text, an odd one out, or a near copy
# that the automatic checks below do not catch. Chosen by looking at every candidate.
CLASSES = [
    ("animals", {
        "dirs": ["animals/birds/", "animals/bugs/", "animals/fish/", "animals/mammals/",
                 "animals/dinosaurs/"],
        "exclude": [
            "animals/birds/baby_tux_rory_mccann_01.png",       # Debian logo on the belly
            "animals/birds/ninja_tux_rory_mccann_01.png",      # same drawing, logo
            "animals/birds/penguin/tux_didier_fabert_01.png",  # "Linked image not found"
            "animals/birds/duck_yellow_ii_kurt_cagl_.png",     # "Linked image not found"
            "animals/birds/manager_mimooh_01.png",
            "animals/bugs/virus_andreas_nilsson_01.png",
            "animals/mammals/bears/sleeping_bear_under_sta_01.png",  # snow globes
            "animals/mammals/bears/sleeping_bear_under_sta_02.png",
            "animals/mammals/bears/sleeping_bear_under_sta_03.png",
            "animals/mammals/emule_icon_emule.org_01.png",     # logo
            "animals/mammals/mhooo_peterm_.png",               # text
            "animals/mammals/shaezy_peterm_.png",              # text
            "animals/mammals/skoynk_peterm_.png",              # text
            "animals/mammals/squeek_peterm_.png",              # text
            "animals/mammals/mechorse.png",                    # faint sketch
            "animals/mammals/elephant_outline_matthe_r.png",   # faint outline
        ],
    }),
    ("food", {
        "dirs": ["food/*", "food/fruit/", "food/desserts/", "food/vegetables/",
                 "food/breads_and_carbs/", "food/meats_and_eggs/", "food/dairy/"],
        "exclude": [
            "food/bowl_chaspo_.png", "food/cake_and_candle_anton_fr_01.png",
            "food/chef_jarno_vasamaa_.png", "food/come_si_dispongono_le_p_01.png",
            "food/food_leif_lodahl_01.png", "food/galette_01.png", "food/honey.png",
            "food/juice_glass_andremarcel._01.png", "food/large_plate.png",
            "food/large_plate_bw.png", "food/small_plate.png", "food/small_plate_bw.png",
            "food/libro_di_ricette_di_cuc_01.png", "food/marshmallow_on_a_stick_b_02.png",
            "food/menu_example1.png", "food/menu_example2.png", "food/menu_example3.png",
            "food/menu_example4.png", "food/menu_example5.png", "food/menu_example6.png",
            "food/menu_example_.png", "food/mix_cucina_frullatore_ar_01.png",
            "food/pumpkin_erik_postma_01.png", "food/sugarbox_01.png", "food/toque_01.png",
            "food/fruit/apple_juice_box.png", "food/fruit/apple_juice_box_bw.png",
            "food/fruit/eris_apple_nurbldoff_01.png", "food/fruit/juice_glass_andremarcel._01.png",
            "food/fruit/tile_orange_gabrielle_nowi_01.png",
            "food/fruit/straw_tote_linda_kim_01.png",  # a bag, faint outline
            "food/dairy/baby_bottle_01.png",
        ],
        # "*_mateya_01.png": a food icon above a bar code and a printed word
        "exclude_substr": ["_mateya_"],
    }),
    ("transportation", {
        "dirs": ["transportation/*", "transportation/vehicles/"],
        "exclude": [
            "transportation/vehicles/hummers/",  # black silhouettes of the same five Hummers
            # more Hummers and Chevrolets than a small set needs; kept: hummer_01, hummer_03
            "transportation/hummer_02.png", "transportation/hummer_05.png",
            "transportation/hummer_07.png", "transportation/vehicles/hummer_02.png",
            "transportation/vehicles/hummer_05.png", "transportation/vehicles/hummer_07.png",
            "transportation/vehicles/crossroads.png", "transportation/vehicles/curve_ahead.png",
            "transportation/vehicles/cycle_lane.png", "transportation/vehicles/cycle_route.png",
            "transportation/vehicles/lighthouse_01.png",
            "transportation/vehicles/parking_romus_01.png",
            "transportation/vehicles/quay_sign_01.png",
            "transportation/vehicles/shelby_cobra_blueprint_i_01.png",
            "transportation/vehicles/shelby_cobra_car_bluepr_.png",
            "transportation/vehicles/the_mad_little_ship_core_01.png",
            "transportation/vehicles/departing_plane_01.png",  # faint sketch
            "transportation/vehicles/toy_paper_plane_01.png",
            # top-level transportation/: road signs and other non-vehicles
            "transportation/Evel_Knievel.png", "transportation/Motorway_on.png",
            "transportation/airplane.png", "transportation/ampelfrau_matthew_gates_01.png",
            "transportation/ampelmaennchen_matthew_g_01.png", "transportation/anchor.png",
            "transportation/anchor_juliane_krug_01.png", "transportation/bambi.png",
            "transportation/beach_trip_ganson.png", "transportation/bus_lane.png",
            "transportation/bus_opposite.png", "transportation/buses_and_bikes.png",
            "transportation/cattle.png", "transportation/crosswind.png",
            "transportation/cycle_lane.png", "transportation/cycles.png",
            "transportation/drawbridge.png", "transportation/end_daul.png",
            "transportation/grain_elevator_ganson.png", "transportation/grounded.png",
            "transportation/horse.png", "transportation/kaboom.png",
            "transportation/lighthouse_matthew_gates_.png",
            "transportation/little_tan_suitcase_jona_.png", "transportation/lorry_length.png",
            "transportation/no_cycles.png", "transportation/no_entry.png",
            "transportation/old_folks.png", "transportation/pass_either.png",
            "transportation/roundabout.png", "transportation/shelby_cobra_blueprint_i_01.png",
            "transportation/soviet_shuttle_mo_01.png", "transportation/street_sign_gerald_g._01.png",
            "transportation/tram.png", "transportation/trams_only.png", "transportation/tunnel.png",
            "transportation/turn_ahead.png", "transportation/two_way_ahead.png",
            "transportation/two_way_crosses.png", "transportation/zigzag.png",
        ],
        "near_copies": [  # (left out, same picture as)
            ("transportation/vehicles/1989_chevrolet_celebrit_02.png",
             "transportation/vehicles/1989_chevrolet_celebrit_01.png"),
            ("transportation/vehicles/_chevrolet_celebirt_.png",
             "transportation/vehicles/1989_chevrolet_celebrit_01.png"),
        ],
    }),
    ("plants", {
        "dirs": ["plants/"],
        "exclude": [
            "plants/trees/bowsaw_benji_park_01.png", "plants/trees/bypasspruner_benji_park_01.png",
            "plants/trees/christmas_balls_mo_01.png", "plants/human_humain_umano_sed_r.png",
            "plants/cannabis_leaf_anonymous_.png",
            "plants/simple_five_pettle_daff_01.png", "plants/flowers/simple_five_pettle_daff_01.png",
            "plants/trees/cartoon_tree_01.png", "plants/flowers/cartoon_tree_01.png",
            "plants/cactus_linda_kim_01.png", "plants/flowers/cactus_linda_kim_01.png",
            "plants/magnolia-white_patricia__01.png",
            "plants/flowers/magnolia-white_patricia__01.png",
        ],
    }),
    ("tools", {
        "dirs": ["tools/*"],
        "exclude": [
            "tools/bottle_jean_victor_balin_.png", "tools/bucket_michael_moore_.png",
            "tools/cellular_phone_shandy_br_.png", "tools/cog_01.png", "tools/compass_01.png",
            "tools/digital_camera_nicu_bucu_01.png", "tools/electric_lighter_joel_mo_01.png",
            "tools/engrenagem_01.png", "tools/gallows_frouke_01.png", "tools/green_burner_01.png",
            "tools/orange_burner_01.png", "tools/hurricane_lamp_ganson.png",
            "tools/insecticide_nicu_buculei_01.png", "tools/insecticide_nicu_buculei_02.png",
            "tools/kexi_kexi_team_01.png", "tools/lampada_di_aladino_alad_01.png",
            "tools/metal_cage_kurt_nordstro_.png", "tools/natural_gas_pump_well_jo_01.png",
            "tools/nodding_donkey_kevin_cow_01.png", "tools/nunchaku_sergio_luiz_ara_01.png",
            "tools/pansement_jean_victor_ba_.png", "tools/panel_fudriot_omic.ch_01.png",
            "tools/route_jakob_chaosinfa_.png", "tools/ruota_dentata_2_architet_01.png",
            "tools/ruota_dentata_architetto_01.png", "tools/ruota_dentata_grigia_2_a_01.png",
            "tools/ruota_dentata_grigia_arc_01.png", "tools/scart_connector_pinout_s_02.png",
            "tools/smoke_nicu_buculei_01.png", "tools/smoke_nicu_buculei_02.png",
            "tools/smoke_nicu_buculei_03.png", "tools/stefan_graubner_stefan_g_01.png",
            "tools/thermometer_www.jonasste_01.png", "tools/toothbrush_and_paste_ganson.png",
            "tools/umbrella.png", "tools/mattone_poroton_architet_01.png", "tools/pan_frouke_01.png",
            "tools/scolapasta_e_pentola_arc_01.png",
            "tools/paint_brush_linda_kim_01.png",  # faint outline
        ],
        "near_copies": [  # (left out, same picture as)
            ("tools/mag2.png", "tools/mag1.png"), ("tools/mag3.png", "tools/mag1.png"),
            ("tools/mag4.png", "tools/mag1.png"),
            ("tools/lente_meno_architetto_fr_01.png", "tools/lente_normale_architetto_01.png"),
            ("tools/ironing_board_gerald_g._02.png", "tools/ironing_board_gerald_g._01.png"),
        ],
    }),
    ("buildings", {
        "dirs": ["buildings/*", "buildings/homes/"],
        "exclude": [
            "buildings/brick_frouke_01.png", "buildings/capitello_modanatura_mo_01.png",
            "buildings/city_horizon_jon_phillip_01.png", "buildings/demolizione_costruzione_01.png",
            "buildings/old_sign_ganson.png", "buildings/school_hallway_gerald_g._01.png",
            "buildings/wall.png", "buildings/wall1.png",
            "buildings/homes/houses_jon_phillips_01.png",
        ],
    }),
]
POOL_ONLY = CLASSES[-1][0]


def log(*a):
    print(*a, file=sys.stderr)


def list_pngs(png_root):
    out = []
    for dp, dns, fns in os.walk(png_root):
        dns.sort()
        for f in sorted(fns):
            if f.endswith(".png"):
                out.append(os.path.relpath(os.path.join(dp, f), png_root))
    return sorted(out)


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def in_dirs(rel, dirs):
    for d in dirs:
        if d.endswith("/*"):
            if os.path.dirname(rel) == d[:-2]:
                return True
        elif rel.startswith(d):
            return True
    return False


def excluded(rel, spec):
    for e in spec.get("exclude", []):
        if rel == e or (e.endswith("/") and rel.startswith(e)):
            return True
    if any(rel == dropped for dropped, _ in spec.get("near_copies", [])):
        return True
    return any(s in rel for s in spec.get("exclude_substr", []))


def load(path):
    """-> (RGBA image cropped to its drawing, has_alpha, ink fraction) or a reason string."""
    im = Image.open(path)
    w, h = im.size
    if min(w, h) < MIN_SIDE:
        return "tiny (%dx%d)" % (w, h)
    im = im.convert("RGBA")
    if max(im.size) > 8 * MAX_SIDE:
        im = im.reduce(max(1, max(im.size) // (4 * MAX_SIDE)))
    alpha = im.getchannel("A")
    has_alpha = alpha.getextrema()[0] < 255
    # Drawn ("ink") pixels: opaque enough and not near white.
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(white, im).convert("L")
    not_white = flat.point(lambda v: 255 if v < 245 else 0)
    visible = alpha.point(lambda v: 255 if v > 16 else 0)
    ink = Image.composite(not_white, Image.new("L", im.size, 0), visible)
    # Crop: to the visible pixels where there is alpha, else to the non-white ones.
    bbox = (visible if has_alpha else ink).getbbox()
    if bbox is None:
        return "blank"
    bw, bh = bbox[2] - bbox[0], bbox[3] - bbox[1]
    scale = max(w, h) / max(im.size)
    if max(bw, bh) * scale < MIN_DRAWING:
        return "drawing tiny (%dx%d px)" % (bw * scale, bh * scale)
    im = im.crop(bbox)
    ink = ink.crop(bbox)
    frac = sum(ink.resize((64, 64), Image.BOX).point(lambda v: 1 if v >= 128 else 0).getdata()) / 4096.0
    if frac < MIN_INK:
        return "nearly blank (ink %.3f)" % frac
    return im, has_alpha, frac


def is_bw(rel):
    return re.search(r"(^|_)bw(_|$)", os.path.splitext(os.path.basename(rel))[0]) is not None


def bw_sibling(rel, cands):
    """The colour versions in cands of a black-and-white file, else [].

    "d/apple_bw.png" -> ["d/apple.png"]; "d/fries_bw.png" -> ["d/fries_ganson.png"];
    "d/glace_01_bw_jean-victor__01.png" -> ["d/glace_01_jean-victor_bal_01.png"]."""
    bw = re.compile(r"(^|_)bw(_|$)")
    d, f = os.path.split(rel)
    stem = os.path.splitext(f)[0]
    m = bw.search(stem)
    if not m or m.start() == 0:
        return []
    prefix = stem[:m.start()]
    others = [c for c in cands if c != rel and os.path.dirname(c) == d
              and not bw.search(os.path.splitext(os.path.basename(c))[0])]
    exact = [c for c in others
             if os.path.splitext(os.path.basename(c))[0] == prefix + stem[m.end() - 1:].rstrip("_")
             or os.path.splitext(os.path.basename(c))[0] == prefix]
    if exact:
        return exact
    return [c for c in others if os.path.basename(c).startswith(prefix + "_")]


def dhash(im):
    """256-bit difference hash of the drawing laid over white (grey levels, so a recoloured copy of
    a drawing counts as the same picture), plus the aspect ratio."""
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    g = Image.alpha_composite(white, im).convert("L").resize((17, 16), Image.BOX)
    px = list(g.getdata())
    bits = 0
    for y in range(16):
        for x in range(16):
            bits = (bits << 1) | (px[y * 17 + x] > px[y * 17 + x + 1])
    return bits, im.size[0] / im.size[1]


def same_picture(a, b):
    return (bin(a[0] ^ b[0]).count("1") <= DHASH_MAX_DIST
            and max(a[1], b[1]) / min(a[1], b[1]) < 1.15)


def finish(im, has_alpha):
    """Add a margin, downscale so the longest side <= MAX_SIDE, return PNG bytes."""
    w, h = im.size
    m = max(2, int(round(MARGIN * max(w, h))))
    bg = (0, 0, 0, 0) if has_alpha else (255, 255, 255, 255)
    canvas = Image.new("RGBA", (w + 2 * m, h + 2 * m), bg)
    canvas.paste(im, (m, m))
    im = canvas
    if max(im.size) > MAX_SIDE:
        s = MAX_SIDE / max(im.size)
        size = (max(1, round(im.size[0] * s)), max(1, round(im.size[1] * s)))
        # resize with premultiplied alpha so transparent pixels do not bleed dark fringes
        im = im.convert("RGBa").resize(size, Image.LANCZOS).convert("RGBA")
    if not has_alpha:
        im = im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def main():
    pkg_root, out_dir, version = sys.argv[1], sys.argv[2], sys.argv[3]
    png_root = os.path.join(pkg_root, PNG_DIR)
    if os.path.exists(out_dir) and os.listdir(out_dir):
        sys.exit("%s is not empty" % out_dir)
    rng = random.Random(SEED)

    all_files = list_pngs(png_root)
    digest = {rel: md5(os.path.join(png_root, rel)) for rel in all_files}
    paths_of = {}
    for rel in all_files:
        paths_of.setdefault(digest[rel], []).append(rel)
    chosen_tops = {name for name, _ in CLASSES}
    log("package: %d PNG files, %d distinct" % (len(all_files), len(paths_of)))

    kept = {}            # class -> list of dict(rel, img, has_alpha, hash)
    copies = {}          # rel -> [rels of other files showing the same picture]
    for name, spec in CLASSES:
        for dropped, same_as in spec.get("near_copies", []):
            copies.setdefault(same_as, []).append(dropped)
    seen_md5 = set()
    skipped = []
    for name, spec in CLASSES:
        kept[name] = []
        cands = [r for r in all_files if in_dirs(r, spec["dirs"]) and not excluded(r, spec)]
        # black-and-white versions last, so that of two near copies the colour one is kept
        cands.sort(key=lambda r: (is_bw(r), r))
        names = set(cands)
        for rel in cands:
            d = digest[rel]
            if d in seen_md5:
                continue  # byte-identical to one already considered (listed later as a variant)
            seen_md5.add(d)
            tops = {p.split("/")[0] for p in paths_of[d]}
            other = (tops & chosen_tops) - {name}
            if other:
                skipped.append((rel, "also filed under " + ",".join(sorted(other))))
                continue
            colour = bw_sibling(rel, cands)
            if colour:
                skipped.append((rel, "black-and-white copy of " + ", ".join(colour)))
                for c in colour:
                    copies.setdefault(c, []).append(rel)
                continue
            r = load(os.path.join(png_root, rel))
            if isinstance(r, str):
                skipped.append((rel, r))
                continue
            im, has_alpha, frac = r
            h = dhash(im)
            dup = None
            for k in (k for n in kept for k in kept[n]):
                if same_picture(k["hash"], h):
                    dup = k
                    break
            if dup is not None:
                skipped.append((rel, "near copy of " + dup["rel"]))
                copies.setdefault(dup["rel"], []).append(rel)
                continue
            kept[name].append(dict(rel=rel, img=im, has_alpha=has_alpha, hash=h, cls=name))
        log("%-15s %3d candidates after path filters, %3d usable" % (name, len(cands), len(kept[name])))

    for rel, why in skipped:
        log("  skip %-60s %s" % (rel, why))

    # Cap, choose the labelled examples, build the pool.
    labelled, pool = [], []
    for name, _ in CLASSES:
        items = kept[name]
        if len(items) > MAX_PER_CLASS:
            items = sorted(rng.sample(items, MAX_PER_CLASS), key=lambda k: k["rel"])
        if name == POOL_ONLY:
            pool += items
            continue
        lab = set(k["rel"] for k in rng.sample(items, LABELLED_PER_CLASS))
        for i, k in enumerate(k for k in items if k["rel"] in lab):
            k["file"] = "labelled/%s/%s-%02d.png" % (name, name, i + 1)
            labelled.append(k)
        pool += [k for k in items if k["rel"] not in lab]
    rng.shuffle(pool)
    for i, k in enumerate(pool):
        k["file"] = "pool/img-%04d.png" % (i + 1)

    shipped = labelled + pool
    for k in shipped:
        path = os.path.join(out_dir, k["file"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(finish(k["img"], k["has_alpha"]))

    src = lambda rel: PNG_DIR + "/" + rel
    with open(os.path.join(out_dir, "SOURCES.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["file", "category", "source"])
        for k in sorted(shipped, key=lambda k: k["file"]):
            wr.writerow([k["file"], k["cls"], src(k["rel"])])

    # Everything in the package that is the same picture as a shipped file: byte-identical copies
    # anywhere in the package, near copies found above, and black-and-white copies.
    excl = set()
    for k in shipped:
        excl.update(paths_of[digest[k["rel"]]])
        for c in copies.get(k["rel"], []):
            excl.update(paths_of[digest[c]])
    with open(os.path.join(out_dir, "TRAINING-EXCLUDE.txt"), "w") as f:
        for rel in sorted(excl):
            f.write(src(rel) + "\n")

    counts = {}
    for k in shipped:
        where = "labelled" if k["file"].startswith("labelled/") else "pool"
        counts.setdefault(k["cls"], {"labelled": 0, "pool": 0})[where] += 1
    write_readme(out_dir, pkg_root, version, counts, len(excl))
    log("shipped %d files (%d labelled, %d pool); %d paths in TRAINING-EXCLUDE.txt"
        % (len(shipped), len(labelled), len(pool), len(excl)))
    for name, _ in CLASSES:
        log("  %-15s labelled %2d  pool %3d" % (name, counts[name]["labelled"], counts[name]["pool"]))


def write_readme(out_dir, pkg_root, version, counts, n_excl):
    with open(os.path.join(pkg_root, "usr/share/doc/openclipart-png/copyright")) as f:
        copyright_text = f.read().rstrip()
    rows = "\n".join("| %s | %d | %d | %d |" % (n, counts[n]["labelled"], counts[n]["pool"],
                                                counts[n]["labelled"] + counts[n]["pool"])
                     for n, _ in CLASSES)
    tl = sum(c["labelled"] for c in counts.values())
    tp = sum(c["pool"] for c in counts.values())
    dirs = "\n".join("- **%s**%s: %s" % (n, " (pool only)" if n == POOL_ONLY else "",
                                         ", ".join("`%s`" % d.rstrip("/*") for d in s["dirs"]))
                     for n, s in CLASSES)
    quoted = "\n".join(("> " + line) if line else ">" for line in copyright_text.splitlines())
    text = f"""# Loupe sample images

A small set of clip-art pictures to try Loupe on: a few images already labelled in five classes,
and an unlabelled pool to label with the model's help. Generated by
`scripts/build-sample-images.sh`; do not edit by hand, rerun the script instead.

## Layout

```
labelled/<class>/<class>-NN.png   {LABELLED_PER_CLASS} labelled examples for each of 5 classes
pool/img-NNNN.png                 the unlabelled pool, shuffled; names do not reveal the class
SOURCES.csv                       file,category,source for every image (the ground truth)
TRAINING-EXCLUDE.txt              package paths to leave out when training a model on openclipart
```

| class | labelled | pool | total |
|---|---|---|---|
{rows}
| **all** | {tl} | {tp} | {tl + tp} |

**`{POOL_ONLY}` is pool-only**: it has no folder under `labelled/` and appears only in `pool/`,
so you can try adding a new class while labelling.

`SOURCES.csv` has a header line, then one line per image: `file` (path relative to this folder),
`category` (the true class, also for pool images: useful for demos and benchmarks; Loupe itself does
not read it) and `source` (the original file inside the Debian package).

`TRAINING-EXCLUDE.txt` lists {n_excl} package paths: every source in `SOURCES.csv`, plus every other
path in the package that holds the same picture (byte-identical copies under another folder, near
copies such as the black-and-white version of a colour drawing). Leave these out when training a
base model on openclipart, so the model has not seen the sample images.

## Source

Debian package **openclipart-png**, version **{version}** (public-domain clip art from the Open
Clip Art Library, <https://openclipart.org>). Files come from `usr/share/openclipart/png/`:

{dirs}

The category is the package's top-level folder. Within those folders, images were left out by hand
when they were not of that class (road signs, sailing diagrams, logos, gears and lighters under
tools, ...) or mostly text; the script also drops images that are nearly blank or smaller than
{MIN_DRAWING} px, byte-identical or near-identical copies, black-and-white copies of colour drawings,
and pictures the package files under two of these six categories. At most {MAX_PER_CLASS} images per
class were kept (seeded random choice).

## How the images were changed

Each image was cropped to its drawing, given a {int(MARGIN * 100)}% margin, and scaled down so its
longest side is at most {MAX_SIDE} px (never up). Transparency is kept (RGBA PNG); images without
transparency are saved as RGB.

## Licence

Public domain. The package's `usr/share/doc/openclipart-png/copyright` says:

{quoted}
"""
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
