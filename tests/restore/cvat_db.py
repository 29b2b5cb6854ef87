# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A CVAT-like PostgreSQL database for the restore checks: CVAT 2.x's real table names and plausible columns
(Django's auth and migrations, organizations, engine_*), with a few hundred rows created over the 30 days before
``CREATED_UNTIL``.

Not CVAT's full schema (no constraints beyond primary keys and a few foreign keys, no indexes): what matters to
the checks is the table names, the primary keys (serial, bigint, composite-free), the timestamp columns
(``created_date``/``updated_date``, ``date_joined``/``last_login``, ``applied``) and row text forms with every
kind of value CVAT stores (text, booleans, floats, nulls, JSON, comma-separated arrays).
"""

from __future__ import annotations

import datetime
import random

UTC = datetime.timezone.utc
# Every row of the loaded data was created (and last changed) before this time: the tests' recovery point.
CREATED_UNTIL = datetime.datetime(2026, 11, 30, 3, 0, tzinfo=UTC)

SCHEMA = """
CREATE TABLE auth_user (
    id serial PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamptz NULL, is_superuser boolean NOT NULL,
    username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL,
    email varchar(254) NOT NULL, is_staff boolean NOT NULL, is_active boolean NOT NULL, date_joined timestamptz NOT NULL);
CREATE TABLE auth_group (id serial PRIMARY KEY, name varchar(150) NOT NULL UNIQUE);
CREATE TABLE django_migrations (id bigserial PRIMARY KEY, app varchar(255) NOT NULL, name varchar(255) NOT NULL,
    applied timestamptz NOT NULL);
CREATE TABLE engine_profile (id bigserial PRIMARY KEY, rating double precision NOT NULL,
    has_analytics_access boolean NOT NULL, user_id integer NOT NULL UNIQUE REFERENCES auth_user);
CREATE TABLE organizations_organization (
    id serial PRIMARY KEY, slug varchar(16) NOT NULL UNIQUE, name varchar(64) NOT NULL, description text NOT NULL,
    created_date timestamptz NOT NULL, updated_date timestamptz NOT NULL, contact jsonb NOT NULL,
    owner_id integer NULL REFERENCES auth_user);
CREATE TABLE organizations_membership (
    id serial PRIMARY KEY, is_active boolean NOT NULL, joined_date timestamptz NULL, role varchar(16) NOT NULL,
    organization_id integer NOT NULL REFERENCES organizations_organization, user_id integer NULL REFERENCES auth_user);
CREATE TABLE engine_cloudstorage (
    id serial PRIMARY KEY, provider_type varchar(20) NOT NULL, resource varchar(222) NOT NULL,
    display_name varchar(63) NOT NULL, created_date timestamptz NOT NULL, updated_date timestamptz NOT NULL,
    credentials varchar(1024) NULL, credentials_type varchar(29) NOT NULL, specific_attributes varchar(1024) NOT NULL,
    description text NOT NULL, owner_id integer NULL REFERENCES auth_user, organization_id integer NULL);
CREATE TABLE engine_storage (id serial PRIMARY KEY, location varchar(16) NOT NULL,
    cloud_storage_id integer NULL REFERENCES engine_cloudstorage);
CREATE TABLE engine_data (
    id serial PRIMARY KEY, chunk_size integer NULL, size integer NOT NULL, image_quality smallint NOT NULL,
    start_frame integer NOT NULL, stop_frame integer NOT NULL, frame_filter varchar(256) NOT NULL,
    compressed_chunk_type varchar(32) NOT NULL, original_chunk_type varchar(32) NOT NULL,
    storage_method varchar(15) NOT NULL, storage varchar(15) NOT NULL, cloud_storage_id integer NULL,
    sorting_method varchar(15) NOT NULL, deleted_frames text NOT NULL);
CREATE TABLE engine_project (
    id serial PRIMARY KEY, name varchar(256) NOT NULL, bug_tracker varchar(2000) NOT NULL,
    created_date timestamptz NOT NULL, updated_date timestamptz NOT NULL, status varchar(32) NOT NULL,
    assignee_updated_date timestamptz NULL, owner_id integer NULL REFERENCES auth_user, assignee_id integer NULL,
    organization_id integer NULL, source_storage_id integer NULL, target_storage_id integer NULL);
CREATE TABLE engine_task (
    id serial PRIMARY KEY, name varchar(256) NOT NULL, mode varchar(32) NOT NULL, bug_tracker varchar(2000) NOT NULL,
    created_date timestamptz NOT NULL, updated_date timestamptz NOT NULL, overlap integer NULL,
    segment_size integer NOT NULL, status varchar(32) NOT NULL, dimension varchar(2) NOT NULL, subset varchar(64) NOT NULL,
    assignee_updated_date timestamptz NULL, project_id integer NULL REFERENCES engine_project,
    owner_id integer NULL REFERENCES auth_user, assignee_id integer NULL, data_id integer NULL REFERENCES engine_data,
    organization_id integer NULL, source_storage_id integer NULL, target_storage_id integer NULL);
CREATE TABLE engine_segment (
    id serial PRIMARY KEY, start_frame integer NOT NULL, stop_frame integer NOT NULL,
    chunks_updated_date timestamptz NOT NULL, type varchar(32) NOT NULL, frames text NOT NULL,
    task_id integer NOT NULL REFERENCES engine_task);
CREATE TABLE engine_job (
    id serial PRIMARY KEY, status varchar(32) NOT NULL, stage varchar(32) NOT NULL, state varchar(32) NOT NULL,
    type varchar(32) NOT NULL, created_date timestamptz NOT NULL, updated_date timestamptz NOT NULL,
    assignee_updated_date timestamptz NULL, assignee_id integer NULL, segment_id integer NOT NULL REFERENCES engine_segment);
CREATE TABLE engine_image (
    id serial PRIMARY KEY, path varchar(1024) NOT NULL, frame integer NOT NULL, width integer NOT NULL,
    height integer NOT NULL, is_placeholder boolean NOT NULL, real_frame integer NOT NULL,
    data_id integer NULL REFERENCES engine_data);
CREATE TABLE engine_label (
    id serial PRIMARY KEY, name varchar(64) NOT NULL, color varchar(8) NOT NULL, type varchar(32) NULL,
    parent_id integer NULL REFERENCES engine_label, project_id integer NULL REFERENCES engine_project,
    task_id integer NULL REFERENCES engine_task);
CREATE TABLE engine_attributespec (
    id serial PRIMARY KEY, name varchar(64) NOT NULL, mutable boolean NOT NULL, input_type varchar(16) NOT NULL,
    default_value varchar(128) NOT NULL, "values" varchar(4096) NOT NULL, label_id integer NOT NULL REFERENCES engine_label);
CREATE TABLE engine_labeledimage (
    id bigserial PRIMARY KEY, frame integer NOT NULL, "group" integer NULL, source varchar(16) NULL,
    job_id integer NOT NULL REFERENCES engine_job, label_id integer NOT NULL REFERENCES engine_label);
CREATE TABLE engine_labeledshape (
    id bigserial PRIMARY KEY, frame integer NOT NULL, "group" integer NULL, type varchar(16) NOT NULL,
    occluded boolean NOT NULL, z_order integer NOT NULL, points text NOT NULL, rotation double precision NOT NULL,
    outside boolean NOT NULL, source varchar(16) NULL, job_id integer NOT NULL REFERENCES engine_job,
    label_id integer NOT NULL REFERENCES engine_label, parent_id bigint NULL REFERENCES engine_labeledshape);
CREATE TABLE engine_labeledtrack (
    id bigserial PRIMARY KEY, frame integer NOT NULL, "group" integer NULL, source varchar(16) NULL,
    job_id integer NOT NULL REFERENCES engine_job, label_id integer NOT NULL REFERENCES engine_label,
    parent_id bigint NULL REFERENCES engine_labeledtrack);
CREATE TABLE engine_trackedshape (
    id bigserial PRIMARY KEY, type varchar(16) NOT NULL, occluded boolean NOT NULL, z_order integer NOT NULL,
    points text NOT NULL, rotation double precision NOT NULL, frame integer NOT NULL, outside boolean NOT NULL,
    track_id bigint NOT NULL REFERENCES engine_labeledtrack);
CREATE TABLE engine_issue (
    id serial PRIMARY KEY, frame integer NOT NULL, position text NOT NULL, created_date timestamptz NOT NULL,
    updated_date timestamptz NOT NULL, resolved boolean NOT NULL, job_id integer NOT NULL REFERENCES engine_job,
    owner_id integer NULL REFERENCES auth_user, assignee_id integer NULL);
CREATE TABLE engine_comment (
    id serial PRIMARY KEY, message text NOT NULL, created_date timestamptz NOT NULL, updated_date timestamptz NOT NULL,
    issue_id integer NOT NULL REFERENCES engine_issue, owner_id integer NULL REFERENCES auth_user);
"""

MIGRATIONS = [("contenttypes", "0001_initial"), ("auth", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"),
              ("engine", "0001_release_v0_1_0"), ("engine", "0088_consensus_jobs"), ("organizations", "0001_initial"),
              ("webhooks", "0001_initial"), ("quality_control", "0001_initial"), ("sessions", "0001_initial")]


def _points(rng: random.Random, count: int) -> str:
    return ",".join(f"{rng.uniform(0, 1920):.4f}" for _point in range(count))


def load(conn, *, users: int = 20, projects: int = 6, tasks_per_project: int = 6, until: datetime.datetime = CREATED_UNTIL) -> dict[str, int]:
    """Create the schema and the data in conn's database (commits); the row count of each table."""
    rng = random.Random(7)
    start = until - datetime.timedelta(days=30)

    def moment(fraction: float) -> datetime.datetime:
        return start + (until - start) * fraction - datetime.timedelta(seconds=1)

    with conn.cursor() as cur:
        cur.execute(SCHEMA)
        for index, (app, name) in enumerate(MIGRATIONS):
            cur.execute("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                        (app, name, moment(index / 100)))
        cur.execute("INSERT INTO auth_group (name) VALUES ('admin'), ('user'), ('worker')")
        for index in range(users):
            joined = moment(index / (users * 2))
            last_login = None if index % 4 == 3 else moment(0.5 + index / (users * 2))
            cur.execute(
                "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email,"
                " is_staff, is_active, date_joined) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (f"pbkdf2_sha256$720000${rng.getrandbits(64):x}$hash{index}", last_login, index == 0, f"user{index}",
                 f"First{index}", f"Last{index}", f"user{index}@example.com", index == 0, index % 7 != 6, joined))
            user_id = cur.fetchone()[0]
            cur.execute("INSERT INTO engine_profile (rating, has_analytics_access, user_id) VALUES (%s, %s, %s)",
                        (rng.random() * 5, index == 0, user_id))
        cur.execute(
            "INSERT INTO organizations_organization (slug, name, description, created_date, updated_date, contact, owner_id)"
            " VALUES ('acme', 'ACME Labeling', 'Tést organisation: quotes '' and \\ backslash', %s, %s,"
            " '{\"email\": \"ops@example.com\"}', 1) RETURNING id", (moment(0.01), moment(0.02)))
        org_id = cur.fetchone()[0]
        for user_id in range(1, users + 1, 2):
            cur.execute("INSERT INTO organizations_membership (is_active, joined_date, role, organization_id, user_id)"
                        " VALUES (true, %s, %s, %s, %s)", (moment(0.02), "worker" if user_id > 1 else "owner", org_id, user_id))
        storage_ids = []
        for index, kind in enumerate(("raw-data", "annotations")):
            cur.execute(
                "INSERT INTO engine_cloudstorage (provider_type, resource, display_name, created_date, updated_date,"
                " credentials, credentials_type, specific_attributes, description, owner_id, organization_id)"
                " VALUES ('AWS_S3_BUCKET', %s, %s, %s, %s, %s, 'KEY_SECRET_KEY_PAIR', 'region=us-east-1', '', 1, %s) RETURNING id",
                (f"cvat-prod-{kind}-123456789012-us-east-1", f"cvat-prod {kind}", moment(0.03 + index / 100),
                 moment(0.04 + index / 100), "AKIAEXAMPLE EXAMPLEKEY", org_id))
            cloud_id = cur.fetchone()[0]
            cur.execute("INSERT INTO engine_storage (location, cloud_storage_id) VALUES ('cloud_storage', %s) RETURNING id", (cloud_id,))
            storage_ids.append(cur.fetchone()[0])

        task_count = projects * tasks_per_project
        task_index = 0
        for p in range(projects):
            created = moment(0.05 + p / (projects * 3))
            cur.execute(
                "INSERT INTO engine_project (name, bug_tracker, created_date, updated_date, status, assignee_updated_date,"
                " owner_id, assignee_id, organization_id, source_storage_id, target_storage_id)"
                " VALUES (%s, '', %s, %s, 'annotation', NULL, %s, %s, %s, %s, %s) RETURNING id",
                (f"project {p}: cars & pedestrians", created, created + datetime.timedelta(hours=1), 1 + p % users,
                 None if p % 2 else 2, org_id if p % 3 else None, storage_ids[0], storage_ids[1]))
            project_id = cur.fetchone()[0]
            label_ids = []
            for name, color in (("car", "#fa3253"), ("person", "#34d1b7"), ("bicycle", "#ff6037")):
                cur.execute("INSERT INTO engine_label (name, color, type, project_id) VALUES (%s, %s, 'any', %s) RETURNING id",
                            (name, color, project_id))
                label_ids.append(cur.fetchone()[0])
                cur.execute('INSERT INTO engine_attributespec (name, mutable, input_type, default_value, "values", label_id)'
                            " VALUES ('occluded_by', true, 'select', 'none', 'none\nwall\ncar', %s)", (label_ids[-1],))
            for _t in range(tasks_per_project):
                fraction = 0.4 + task_index / (task_count * 2)
                task_index += 1
                size = 20 + rng.randrange(20)
                cur.execute(
                    "INSERT INTO engine_data (chunk_size, size, image_quality, start_frame, stop_frame, frame_filter,"
                    " compressed_chunk_type, original_chunk_type, storage_method, storage, cloud_storage_id,"
                    " sorting_method, deleted_frames) VALUES (36, %s, 70, 0, %s, '', 'imageset', 'imageset', 'cache',"
                    " 'cloud_storage', 1, 'natural', %s) RETURNING id",
                    (size, size - 1, "3,5" if task_index % 5 == 0 else ""))
                data_id = cur.fetchone()[0]
                for frame in range(0, size, 4):
                    cur.execute("INSERT INTO engine_image (path, frame, width, height, is_placeholder, real_frame, data_id)"
                                " VALUES (%s, %s, 1920, 1080, false, %s, %s)", (f"batch{p}/img_{frame:05d}.jpg", frame, frame, data_id))
                created = moment(fraction)
                cur.execute(
                    "INSERT INTO engine_task (name, mode, bug_tracker, created_date, updated_date, overlap, segment_size,"
                    " status, dimension, subset, project_id, owner_id, data_id) VALUES (%s, 'annotation', '', %s, %s,"
                    " 0, 10, 'annotation', '2d', %s, %s, %s, %s) RETURNING id",
                    (f"task {task_index} of project {p}", created, created + datetime.timedelta(minutes=task_index),
                     "train" if task_index % 3 else "val", project_id, 1 + task_index % users, data_id))
                task_id = cur.fetchone()[0]
                for start_frame in range(0, size, 10):
                    cur.execute("INSERT INTO engine_segment (start_frame, stop_frame, chunks_updated_date, type, frames,"
                                " task_id) VALUES (%s, %s, %s, 'range', '', %s) RETURNING id",
                                (start_frame, min(start_frame + 9, size - 1), created, task_id))
                    segment_id = cur.fetchone()[0]
                    cur.execute("INSERT INTO engine_job (status, stage, state, type, created_date, updated_date, assignee_id,"
                                " segment_id) VALUES ('annotation', 'annotation', %s, 'annotation', %s, %s, %s, %s) RETURNING id",
                                ("new" if rng.random() < 0.5 else "in progress", created, created + datetime.timedelta(hours=2),
                                 1 + rng.randrange(users), segment_id))
                    job_id = cur.fetchone()[0]
                    for frame in range(start_frame, min(start_frame + 10, size), 3):
                        cur.execute(
                            'INSERT INTO engine_labeledshape (frame, "group", type, occluded, z_order, points, rotation, outside,'
                            " source, job_id, label_id) VALUES (%s, NULL, 'rectangle', %s, 0, %s, %s, false, 'manual', %s, %s)",
                            (frame, rng.random() < 0.2, _points(rng, 4), rng.choice((0.0, 12.5, 1 / 3)), job_id, rng.choice(label_ids)))
                    cur.execute("INSERT INTO engine_labeledimage (frame, source, job_id, label_id) VALUES (%s, 'auto', %s, %s)",
                                (start_frame, job_id, label_ids[0]))
                    cur.execute('INSERT INTO engine_labeledtrack (frame, "group", source, job_id, label_id) VALUES'
                                " (%s, 1, 'semi-auto', %s, %s) RETURNING id", (start_frame, job_id, label_ids[1]))
                    track_id = cur.fetchone()[0]
                    for offset in range(3):
                        cur.execute("INSERT INTO engine_trackedshape (type, occluded, z_order, points, rotation, frame, outside,"
                                    " track_id) VALUES ('polygon', false, 1, %s, 0, %s, %s, %s)",
                                    (_points(rng, 6), start_frame + offset, offset == 2, track_id))
                    if job_id % 4 == 0:
                        cur.execute("INSERT INTO engine_issue (frame, position, created_date, updated_date, resolved, job_id,"
                                    " owner_id) VALUES (%s, %s, %s, %s, false, %s, 1) RETURNING id",
                                    (start_frame, _points(rng, 4), created, created, job_id))
                        issue_id = cur.fetchone()[0]
                        cur.execute("INSERT INTO engine_comment (message, created_date, updated_date, issue_id, owner_id)"
                                    " VALUES (%s, %s, %s, %s, 2)", ("Box too loose; \"tighten\" it", created, created, issue_id))
        conn.commit()
        cur.execute("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY relname")
        tables = [row[0] for row in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]
        conn.commit()
    return counts
