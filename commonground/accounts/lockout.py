def username_for_lockout(request, credentials=None) -> str | None:
    """The account a sign-in attempt is for: allauth authenticates with `username`, while its
    form posts the field as `login`."""
    if credentials:
        return credentials.get("username") or credentials.get("login")
    return request.POST.get("login") or request.POST.get("username")
