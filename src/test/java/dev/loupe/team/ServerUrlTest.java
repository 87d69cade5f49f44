package dev.loupe.team;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.LoupeException;
import org.junit.jupiter.api.Test;

class ServerUrlTest {

    @Test
    void aPasswordIsUsedButNeverPartOfTheStoredAddress() {
        ServerUrl u = ServerUrl.parse("postgresql://ann:s3cret@db.lab:6543/labels?sslmode=require");
        assertThat(u.user()).isEqualTo("ann");
        assertThat(u.password()).isEqualTo("s3cret");
        assertThat(u.stored()).isEqualTo("postgresql://ann@db.lab:6543/labels?sslmode=require").doesNotContain("s3cret");
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.lab:6543/labels?sslmode=require");
        assertThat(u.properties().getProperty("password")).isEqualTo("s3cret");
        ServerUrl q = ServerUrl.parse("jdbc:postgresql://127.0.0.1/x?user=bob&password=pw");
        assertThat(q.stored()).isEqualTo("postgresql://bob@127.0.0.1:5432/x");
        assertThat(ServerUrl.parse(q.stored())).isEqualTo(new ServerUrl("127.0.0.1", 5432, "x", "bob", null,
                java.util.List.of()));
    }

    @Test
    void notAnAddressSaysWhatOneLooksLike() {
        assertThatThrownBy(() -> ServerUrl.parse("mysql://h/db")).isInstanceOf(LoupeException.class)
                .hasMessageContaining("postgresql://USER@HOST:PORT/DATABASE");
    }
}
