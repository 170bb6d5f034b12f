#!/bin/sh
# Run by the postgres image, once, as its superuser, when the database volume is first
# initialised (docker-compose.yml mounts this folder on /docker-entrypoint-initdb.d; the
# image runs *.sh and *.sql there and ignores the .psql files). Creates Sentinel's two
# database roles: sentinel-roles.psql says what each may do. (No `set -u` here: the image
# sources scripts that are not executable, and its own script must not inherit it.)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=db="$POSTGRES_DB" \
    --set=owner_password="$SENTINEL_OWNER_PASSWORD" \
    --set=app_password="$SENTINEL_APP_PASSWORD" \
    --file=/docker-entrypoint-initdb.d/sentinel-roles.psql
