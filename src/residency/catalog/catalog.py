"""Loads the catalogue data (tokens.json, terraform_types.txt, oci_types.yaml) once."""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from ruamel.yaml import YAML

PROVIDER_TOKEN = "pulumi:providers:oci"
ALL_RESOURCES = "all-resources"  # the IAM resource-type that covers every other


class ResourceKind(enum.Enum):
    IDENTITY = "identity"  # global IAM, managed in the home region
    REGIONAL = "regional"
    NOT_OCI = "not-oci"  # components, other packages, the stack itself


@dataclass(frozen=True, slots=True)
class MovementField:
    path: str  # snake_case, `[]` on lists
    kind: str  # region | availability_domain | ocid
    moves: str  # what crosses to the region the field names

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(segment.removesuffix("[]") for segment in self.path.split("."))


@dataclass(frozen=True, slots=True)
class MoverSources:
    """Where the data a mover copies comes from (oci_types.yaml `mover_sources`)."""

    fields: tuple[str, ...] = ()  # top-level fields whose values come from the source resources
    assigned_by: str | None = None  # the token of the resources that assign assets to the mover
    assignment_policy: str | None = None  # their field naming the mover
    assignment_asset: str | None = None  # their field naming the asset


@dataclass(frozen=True, slots=True)
class NestedBlock:
    """A top-level block that moves data or holds references (nested_blocks.json)."""

    computed: bool  # the provider computes it when the configuration does not set it
    references: tuple[str, ...]  # the fields below it that take the OCID of something with a region


@dataclass(frozen=True, slots=True)
class ExternalKeyField:
    path: str  # snake_case, `[]` on lists
    form: str  # aws-kms | azure-key | gcp-location | gcp-kms | external-endpoint: how the value names its place

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(segment.removesuffix("[]") for segment in self.path.split("."))


def terraform_identifier(name: str, *, wildcards: bool = False) -> str:
    """A name as a Terraform resource name (letters, digits, `_`, `-`, not starting with a digit):
    how the plan export names a Pulumi resource. With `wildcards`, a waiver's pattern read the same
    way (`*`, `?`, `[...]` kept)."""
    allowed = r"A-Za-z0-9_*?\[\]!-" if wildcards else r"A-Za-z0-9_-"
    identifier = re.sub(f"[^{allowed}]", "_", name) or "_"
    return identifier if re.match(r"[A-Za-z_*?\[]" if wildcards else r"[A-Za-z_]", identifier) else "_" + identifier


def short_type(token: str) -> str:
    """`oci:ObjectStorage/bucket:Bucket` -> `ObjectStorage.Bucket`; other types as they are."""
    parts = token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[1].split('/')[0]}.{parts[2]}"
    return token


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda match: match.group(1).upper(), name)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Catalog:
    def __init__(self, tokens: dict[str, str], terraform_types: set[str], types: dict, terraform_names: dict | None = None,
                 nested_blocks: dict | None = None):
        self._terraform_by_token = dict(tokens)
        self._terraform_types = terraform_types
        self.identity = frozenset(types["identity"])
        self.data_bearing = frozenset(types["data_bearing"])
        self._ambient_region_auth = {method.lower(): method for method in types["ambient_region_auth"]}
        self._movements = {
            token: tuple(MovementField(**field) for field in fields)
            for token, fields in types["movements"].items()
        }
        # asked for every resource by the rules: the paths and top-level names, worked out once
        self._movement_paths = {token: frozenset(m.path.replace("[]", "") for m in fields) for token, fields in self._movements.items()}
        self._movement_roots = {token: frozenset(m.segments[0] for m in fields) for token, fields in self._movements.items()}
        self._external_keys = {
            token: tuple(ExternalKeyField(**field) for field in fields)
            for token, fields in types["external_keys"].items()
        }
        self._mover_sources = {
            token: MoverSources(
                tuple(spec.get("fields", ())), spec.get("assigned_by", {}).get("token"),
                spec.get("assigned_by", {}).get("policy"), spec.get("assigned_by", {}).get("asset"),
            )
            for token, spec in types["mover_sources"].items()
        }
        self._terraform_aliases = dict(types["terraform_aliases"])
        self._same_region_fields = {token: frozenset(fields) for token, fields in types["same_region_fields"].items()}
        # in both namings: Terraform's and pulumi-oci's (camelCase at the top level)
        self.labels = frozenset({*types["labels"], *(_camel(name) for name in types["labels"])})
        self.region_less_ocid_types = frozenset(types["region_less"]["ocid_types"])
        self._region_less_fields = tuple(types["region_less"]["fields"])
        self._data_source_elsewhere_words = tuple(types["data_sources"]["elsewhere_words"])
        self._data_source_own_region = {t: frozenset(a) for t, a in types["data_sources"]["own_region_attributes"].items()}
        self._region_less_answers: dict[str, bool] = {}
        self.iam_families = {family: frozenset(members) for family, members in types["iam_families"].items()}
        self._iam_permissions = sorted(types["iam_permissions"].items(), key=lambda item: -len(item[0]))
        self.oracle_tenancies = {t["ocid"].casefold(): t["holds"] for t in types["oracle_tenancies"]}
        self.iam_principal_variables = frozenset(types["iam_principal_variables"])
        self.iam_read_permission_suffixes = tuple(types["iam_read_permission_suffixes"])
        self.iam_types = frozenset(types["iam_individual_types"]).union(*self.iam_families.values(), self.iam_families, {ALL_RESOURCES})
        self._terraform_names = terraform_names or {}
        self._not_ocid_fields = {
            token: frozenset(name for path in paths for name in self._in_both_namings(token, path))
            for token, paths in types["not_ocid_fields"].items()
        }
        self._ocid_fields = {
            token: frozenset(name for path in paths for name in self._in_both_namings(token, path))
            for token, paths in types["ocid_fields"].items()
        }
        self._nested_blocks: dict[str, dict[str, NestedBlock]] = {}
        for token, blocks in (nested_blocks or {}).items():
            found = {name: NestedBlock(entry["computed"], tuple(entry["references"])) for name, entry in blocks.items()}
            renamed = {self.terraform_name(token, name): block for name, block in found.items()}  # Terraform's names
            self._nested_blocks[token] = {**{k: v for k, v in renamed.items() if k}, **found}

    @classmethod
    def bundled(cls) -> Catalog:
        files = resources.files(__package__)
        tokens = json.loads(files.joinpath("tokens.json").read_text())["resources"]
        terraform_types = set(files.joinpath("terraform_types.txt").read_text().split())
        types = YAML(typ="safe").load(files.joinpath("oci_types.yaml").read_text())
        terraform_names = json.loads(files.joinpath("terraform_names.json").read_text())["renamed"]
        nested_blocks = json.loads(files.joinpath("nested_blocks.json").read_text())["blocks"]
        return cls(tokens, terraform_types, types, terraform_names, nested_blocks)

    @cached_property
    def _token_by_terraform(self) -> dict[str, str]:
        return {tf: token for token, tf in self._terraform_by_token.items()}

    @cached_property
    def _terraform_prefixes(self) -> dict[str, set[str]]:
        """Per pulumi module, the Terraform prefixes its known types use (`ObjectStorage` -> `oci_objectstorage`)."""
        prefixes: dict[str, set[str]] = {}
        for token, tf in self._terraform_by_token.items():
            module, suffix = token.split(":")[1].split("/")[0], "_" + _snake(token.split(":")[2])
            if tf.endswith(suffix):
                prefixes.setdefault(module, set()).add(tf[: -len(suffix)])
        return prefixes

    def terraform_type(self, token: str) -> str | None:
        """The Terraform type of a pulumi-oci token; for tokens newer than the table, the name the
        bridge's naming scheme gives, when terraform-provider-oci registers it."""
        if token in self._terraform_by_token:
            return self._terraform_by_token[token]
        parts = token.split(":")
        if len(parts) != 3 or parts[0] != "oci":
            return None
        module = parts[1].split("/")[0]
        for prefix in sorted(self._terraform_prefixes.get(module, ())):
            candidate = f"{prefix}_{_snake(parts[2])}"
            if candidate in self._terraform_types:
                return candidate
        return None

    def knows(self, token: str) -> bool:
        """Whether a pulumi-oci token is in the catalogue's table, whose fields were reviewed."""
        return token in self._terraform_by_token

    def token(self, terraform_type: str) -> str | None:
        """The pulumi-oci token of a Terraform type (or of the type a deprecated name stands for)."""
        return self._token_by_terraform.get(self._terraform_aliases.get(terraform_type, terraform_type))

    def is_oci_terraform_type(self, terraform_type: str) -> bool:
        return terraform_type in self._terraform_types

    def kind(self, token: str) -> ResourceKind:
        if not token.startswith("oci:"):
            return ResourceKind.NOT_OCI
        return ResourceKind.IDENTITY if token in self.identity else ResourceKind.REGIONAL

    def is_data_bearing(self, token: str) -> bool:
        return token in self.data_bearing

    def ambient_region_auth(self, auth: str) -> str | None:
        """The auth method, as OCI spells it, when it makes the provider ignore its region."""
        return self._ambient_region_auth.get(auth.strip().lower())

    def movements(self, token: str) -> tuple[MovementField, ...]:
        return self._movements.get(token, ())

    def movement_paths(self, token: str) -> frozenset[str]:
        """The paths of a type's movement fields without `[]` (`replica_details.region`)."""
        return self._movement_paths.get(token, frozenset())

    def movement_roots(self, token: str) -> frozenset[str]:
        """The top-level properties that hold a type's movement fields."""
        return self._movement_roots.get(token, frozenset())

    def mover_sources(self, token: str) -> MoverSources | None:
        return self._mover_sources.get(token)

    def external_keys(self, token: str) -> tuple[ExternalKeyField, ...]:
        return self._external_keys.get(token, ())

    @property
    def external_key_tokens(self) -> frozenset[str]:
        return frozenset(self._external_keys)

    def same_region_only(self, token: str, field: str) -> bool:
        """Whether OCI accepts a reference in this top-level field only within the resource's region."""
        return field in self._same_region_fields.get(token, ())

    def names_region_less(self, field: str) -> bool:
        """Whether a field (its last snake_case segment) takes the OCID of something that has no
        region: a compartment, the tenancy, a user, a group ... (`source_compartment_id` too)."""
        known = self._region_less_answers.get(field)
        if known is None:  # asked for the same few fields of every resource: answered once each
            singular = field.removesuffix("s") if field.endswith("_ids") else field
            known = any(singular == name or singular.endswith("_" + name) for name in self._region_less_fields)
            self._region_less_answers[field] = known
        return known

    def takes_no_ocid(self, token: str, path: str) -> bool:
        """Whether a `*_id` field (its path without indices, in either naming) takes something else
        than an OCID: an identity domain's own ID, an OAuth client ID, a Cloud Guard rule ID ..."""
        return path in self._not_ocid_fields.get(token, ())

    def takes_ocid(self, token: str, path: str) -> bool:
        """Whether a field not named `*_id` (its path without indices, in either naming) takes the
        OCID of something with a region: an alarm's `destinations`, a connector's `outbound_connector1id`."""
        return path in self._ocid_fields.get(token, ())

    def _in_both_namings(self, token: str, path: str) -> tuple[str, str]:
        """A pulumi-oci path and Terraform's spelling of it (the bridge pluralized some blocks)."""
        segments = path.split(".")
        renamed = [self.terraform_name(token, ".".join(segments[: i + 1])) or s for i, s in enumerate(segments)]
        return path, ".".join(renamed)

    def data_source_attribute_elsewhere(self, data_source_type: str, attributes: str) -> str | None:
        """The attribute of a data source's result (`images[0].id`, `peer_db_ids[0]`) that may name
        another place than the data source's region; None when none does."""
        own = self._data_source_own_region.get(data_source_type, frozenset())
        for name in re.findall(r"[A-Za-z_][\w-]*", attributes):
            if name not in own and any(word in name.lower() for word in self._data_source_elsewhere_words):
                return name
        return None

    def terraform_name(self, token: str, path: str) -> str | None:
        """Terraform's name for a pulumi-oci input (its snake_case path) that the bridge
        pluralized; None where the two names agree (terraform_names.json)."""
        return self._terraform_names.get(token, {}).get(path)

    def nested_block(self, token: str, name: str) -> NestedBlock | None:
        """A top-level block that moves data or holds references, by its name in either naming
        (Terraform spells some lists in the singular, terraform_names.json)."""
        return self._nested_blocks.get(token, {}).get(name)

    @property
    def terraform_renamed(self) -> dict[str, dict[str, str]]:
        return self._terraform_names

    @property
    def movement_tokens(self) -> frozenset[str]:
        return frozenset(self._movements)

    def iam_covers(self, granted: str, wanted: str) -> bool:
        """Whether a grant on IAM resource-type `granted` reaches resource-type `wanted`."""
        granted, wanted = granted.lower(), wanted.lower()
        return granted in (wanted, ALL_RESOURCES) or wanted in self.iam_families.get(granted, ())

    def iam_permission_type(self, permission: str) -> str | None:
        """The IAM resource-type a permission (`OBJECT_READ`) acts on; None when the table does not know it."""
        wanted = permission.upper()
        return next((kind for prefix, kind in self._iam_permissions if wanted.startswith(prefix)), None)

    def iam_overlap(self, a: str, b: str) -> bool:
        """Whether two IAM resource-types share a type (a family and one of its members do)."""
        return self.iam_covers(a, b) or self.iam_covers(b, a)


CATALOG = Catalog.bundled()
