-- Support tool: usage summary for one workspace, called with the slug typed by an agent.
CREATE OR REPLACE FUNCTION support_workspace_usage(p_slug text)
RETURNS TABLE (slug text, plan text, members bigint, billable_seats bigint, sources bigint)
LANGUAGE plpgsql
SECURITY DEFINER
AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT w.slug, w.plan, '
        '       COUNT(m.user_id), '
        '       COUNT(m.user_id) FILTER (WHERE m.status <> ''removed''), '
        '       COUNT(s.id) '
        'FROM workspaces w '
        'LEFT JOIN memberships m ON m.workspace_id = w.id '
        'LEFT JOIN sources s ON s.workspace_id = w.id '
        'WHERE w.slug = ''' || p_slug || ''' '
        'GROUP BY w.slug, w.plan';
END;
$$;
