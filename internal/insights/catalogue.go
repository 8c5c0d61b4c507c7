package insights

import "sort"

// EventType names one kind of event.
type EventType string

// Service is the part of Jumpgate that emitted an event.
type Service string

// The services.
const (
	ServiceDirectory  Service = "directory"
	ServiceSSO        Service = "sso"
	ServiceUserPortal Service = "user_portal"
	ServiceAdmin      Service = "admin"
	ServiceSCIM       Service = "scim"
	ServiceImport     Service = "import"
)

// Services lists every service, sorted.
func Services() []Service {
	return []Service{ServiceAdmin, ServiceDirectory, ServiceImport, ServiceSCIM, ServiceSSO, ServiceUserPortal}
}

// ValidService reports whether s is a known service.
func ValidService(s Service) bool {
	for _, v := range Services() {
		if v == s {
			return true
		}
	}
	return false
}

// The event catalogue.
const (
	// SCIM provisioning (the integration guide's events).
	IDMIntegrationActivate EventType = "idm_integration_activate"
	IDMIntegrationUpdate   EventType = "idm_integration_update"
	IDMIntegrationReauth   EventType = "idm_integration_reauth"
	IDMIntegrationDelete   EventType = "idm_integration_delete"
	UserCreateProvision    EventType = "user_create_provision"
	UserUpdateProvision    EventType = "user_update_provision"
	UserDeprovision        EventType = "user_deprovision"
	UserDeleteProvision    EventType = "user_delete_provision"
	UserLookupProvision    EventType = "user_lookup_provision"
	GroupCreateProvision   EventType = "group_create_provision"
	GroupUpdateProvision   EventType = "group_update_provision"
	GroupDeleteProvision   EventType = "group_delete_provision"

	// Directory changes.
	UserCreate               EventType = "user_create"
	UserUpdate               EventType = "user_update"
	UserDelete               EventType = "user_delete"
	UserSuspend              EventType = "user_suspend"
	UserActivate             EventType = "user_activate"
	GroupCreate              EventType = "group_create"
	GroupUpdate              EventType = "group_update"
	GroupDelete              EventType = "group_delete"
	GroupAddMember           EventType = "group_add_member"
	GroupRemoveMember        EventType = "group_remove_member"
	ApplicationCreate        EventType = "application_create"
	ApplicationUpdate        EventType = "application_update"
	ApplicationDelete        EventType = "application_delete"
	ApplicationSSOUpdate     EventType = "application_sso_update"
	ApplicationSSODeactivate EventType = "application_sso_deactivate"
	ApplicationSSOActivate   EventType = "application_sso_activate"
	ApplicationKeysUpdate    EventType = "application_keys_update"
	ApplicationGroupBind     EventType = "application_group_bind"
	ApplicationGroupUnbind   EventType = "application_group_unbind"
	UserActivation           EventType = "user_activation"
	UserUnlock               EventType = "user_unlock"

	// Authentication.
	AdminLoginAttempt      EventType = "admin_login_attempt"
	AdminAPIKeyAuthFailure EventType = "admin_api_key_auth_failure"

	// Administrator accounts.
	AdminCreate       EventType = "admin_create"
	AdminAPIKeyCreate EventType = "admin_api_key_create"
	AdminAPIKeyRevoke EventType = "admin_api_key_revoke"
	UserLoginAttempt  EventType = "user_login_attempt"
	SSOAuth           EventType = "sso_auth"

	// Certificates.
	ApplicationCertificateExpiring EventType = "application_certificate_expiring"

	// Imports (reserved; recorded by the importer).
	ImportStart    EventType = "import_start"
	ImportComplete EventType = "import_complete"
	ImportFailed   EventType = "import_failed"
)

// TypeInfo describes an event type.
type TypeInfo struct {
	Type        EventType `json:"event_type"`
	Service     Service   `json:"service"`
	Description string    `json:"description"`
}

var catalogue = map[EventType]TypeInfo{}

func def(t EventType, s Service, d string) {
	catalogue[t] = TypeInfo{Type: t, Service: s, Description: d}
}

func init() {
	def(IDMIntegrationActivate, ServiceSCIM, "SCIM provisioning of an application was activated")
	def(IDMIntegrationUpdate, ServiceSCIM, "SCIM provisioning settings of an application were changed")
	def(IDMIntegrationReauth, ServiceSCIM, "SCIM provisioning credentials of an application were replaced")
	def(IDMIntegrationDelete, ServiceSCIM, "SCIM provisioning of an application was removed")
	def(UserCreateProvision, ServiceSCIM, "a user was created in an application by SCIM")
	def(UserUpdateProvision, ServiceSCIM, "a user was updated in an application by SCIM")
	def(UserDeprovision, ServiceSCIM, "a user was deactivated in an application by SCIM")
	def(UserDeleteProvision, ServiceSCIM, "a user was deleted from an application by SCIM")
	def(UserLookupProvision, ServiceSCIM, "a user was looked up in an application by SCIM")
	def(GroupCreateProvision, ServiceSCIM, "a group was created in an application by SCIM")
	def(GroupUpdateProvision, ServiceSCIM, "a group was updated in an application by SCIM")
	def(GroupDeleteProvision, ServiceSCIM, "a group was deleted from an application by SCIM")

	def(UserCreate, ServiceDirectory, "a user was created")
	def(UserUpdate, ServiceDirectory, "a user's attributes were changed")
	def(UserDelete, ServiceDirectory, "a user was deleted")
	def(UserSuspend, ServiceDirectory, "a user was suspended")
	def(UserActivate, ServiceDirectory, "a suspended user was reactivated")
	def(UserActivation, ServiceDirectory, "a staged user was activated")
	def(UserUnlock, ServiceDirectory, "an administrator cleared a user's failed sign-ins (sign-in throttling)")
	def(GroupCreate, ServiceDirectory, "a group was created")
	def(GroupUpdate, ServiceDirectory, "a group's attributes were changed")
	def(GroupDelete, ServiceDirectory, "a group was deleted")
	def(GroupAddMember, ServiceDirectory, "a user was added to a group")
	def(GroupRemoveMember, ServiceDirectory, "a user was removed from a group")
	def(ApplicationCreate, ServiceDirectory, "an application was created")
	def(ApplicationUpdate, ServiceDirectory, "an application's attributes were changed")
	def(ApplicationDelete, ServiceDirectory, "an application was deleted")
	def(ApplicationSSOUpdate, ServiceDirectory, "an application's SAML settings were changed")
	def(ApplicationSSODeactivate, ServiceDirectory, "SSO was deactivated for an application")
	def(ApplicationSSOActivate, ServiceDirectory, "SSO was activated for an application")
	def(ApplicationKeysUpdate, ServiceDirectory, "an application's signing keys were changed")
	def(ApplicationGroupBind, ServiceDirectory, "a group was bound to an application")
	def(ApplicationGroupUnbind, ServiceDirectory, "a group was unbound from an application")

	def(AdminLoginAttempt, ServiceAdmin, "an administrator signed in or failed to")
	def(AdminAPIKeyAuthFailure, ServiceAdmin, "a request to the admin API presented a bad API key")
	def(AdminCreate, ServiceAdmin, "an administrator account was created")
	def(AdminAPIKeyCreate, ServiceAdmin, "an administrator made an API key")
	def(AdminAPIKeyRevoke, ServiceAdmin, "an API key was revoked")
	def(UserLoginAttempt, ServiceUserPortal, "a user signed in to the user portal or failed to")
	def(ApplicationCertificateExpiring, ServiceSSO, "an application's signing certificate expires within 60 days or has expired (checked daily)")
	def(SSOAuth, ServiceSSO, "a SAML sign-in to an application was issued or refused")

	def(ImportStart, ServiceImport, "a user import started")
	def(ImportComplete, ServiceImport, "a user import finished")
	def(ImportFailed, ServiceImport, "a user import failed")
}

// Lookup returns the metadata of t; ok is false for an unknown type.
func Lookup(t EventType) (TypeInfo, bool) {
	i, ok := catalogue[t]
	return i, ok
}

// Catalogue returns every event type, sorted by name.
func Catalogue() []TypeInfo {
	out := make([]TypeInfo, 0, len(catalogue))
	for _, i := range catalogue {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Type < out[b].Type })
	return out
}

// TypeNames returns every event type name, sorted.
func TypeNames() []string {
	out := make([]string, 0, len(catalogue))
	for t := range catalogue {
		out = append(out, string(t))
	}
	sort.Strings(out)
	return out
}
