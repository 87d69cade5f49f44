package dev.loupe.labelling.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.importing.ThumbnailCache;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ImageIndexTest {

    private static final ThumbnailCache THUMBS = new ThumbnailCache(Path.of("thumbs"));

    @Test
    void findsEachImagesRowFileAndThumbnailWhenRowsAreInIdOrder() {
        ImageIndex index = new ImageIndex(new long[]{3, 8, 20}, new String[]{"a".repeat(64), "b".repeat(64), "c".repeat(64)},
                new String[]{"/p/a.png", "/p/b.png", null}, THUMBS, null);
        assertThat(index.rowOf(3)).isZero();
        assertThat(index.rowOf(8)).isEqualTo(1);
        assertThat(index.rowOf(20)).isEqualTo(2);
        assertThat(index.rowOf(9)).isEqualTo(-1);
        assertThat(index.rowOf(-1)).isEqualTo(-1);
        assertThat(index.path(8)).isEqualTo(Path.of("/p/b.png"));
        assertThat(index.path(20)).isNull();
        assertThat(index.path(4)).isNull();
        assertThat(index.thumbnail(3)).isEqualTo(THUMBS.pathFor("a".repeat(64)));
    }

    @Test
    void findsRowsInAnyOrderAndSkipsRowsWithoutAnImage() {
        long[] ids = {50, -1, 7, 31, -1, 2};
        String[] sha = {"s50", null, "s7", "s31", null, "s2"};
        ImageIndex index = new ImageIndex(ids, sha, new String[]{"/50", null, "/7", "/31", null, "/2"}, THUMBS, null);
        for (int row = 0; row < ids.length; row++) {
            if (ids[row] >= 0) {
                assertThat(index.rowOf(ids[row])).as("image %d", ids[row]).isEqualTo(row);
                assertThat(index.path(ids[row])).isEqualTo(Path.of("/" + ids[row]));
            }
        }
        assertThat(index.rowOf(-1)).isEqualTo(-1);
        assertThat(index.rowOf(8)).isEqualTo(-1);
        assertThat(index.thumbnail(-1)).isNull();
        assertThat(index.ids()).containsExactly(ids);
    }
}
