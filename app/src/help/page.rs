//! User Management help, as shipped with the product (the spec in shared/spec is its source).

use crate::ui::page_header::PageHeader;
use leptos::prelude::*;
use leptos_meta::Title;

fn table(caption: &'static str, head: &'static [&'static str], rows: &'static [&'static [&'static str]]) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=caption>
            <table class="data-table help-table">
                <caption>{caption}</caption>
                <thead><tr>{head.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.iter().map(|row| view! {
                        <tr>{row.iter().map(|cell| view! { <td>{*cell}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn steps(title: &'static str, items: &'static [&'static str]) -> impl IntoView {
    view! {
        <section class="help-steps">
            <h3>{title}</h3>
            <ol>{items.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}</ol>
        </section>
    }
}

#[component]
pub fn HelpPage() -> impl IntoView {
    view! {
        <Title text="User Management help · Roster"/>
        <PageHeader title="User Management" description="Manage users, invitations, sessions, and login attempts in your organization."/>
        <article class="help">
            <ul class="help-facts">
                <li><strong>"Where to find it: "</strong>"Users, Invitations, Sessions, and Login Attempts (left sidebar)"</li>
                <li><strong>"Who can use it: "</strong>"Admin roles with User Management permissions"</li>
                <li><strong>"Prerequisites: "</strong>"Access to the correct tenant or organization"</li>
            </ul>
            <h2>"How to do it"</h2>
            <div class="help-grid">
                {steps("Invite a new user", &["Go to Users → Invite User.", "Enter the user's email address.", "Select a role from the dropdown.", "(Optional) Add a personal message.", "Click Send Invitation."])}
                {steps("Edit a user", &["Go to Users → Find the user.", "Click Edit (or select the user row).", "Update details or roles.", "Click Save Changes."])}
                {steps("Assign a role", &["Go to Users → Find the user.", "Click Edit.", "In Roles, add or remove roles.", "Click Save Changes."])}
                {steps("Deactivate a user", &["Go to Users → Find the user.", "Open the actions menu (⋮).", "Select Deactivate and confirm."])}
                {steps("Revoke a session", &["Go to Sessions.", "Find the session to revoke.", "Click Revoke."])}
                {steps("Resend an invitation", &["Go to Invitations.", "Find the pending invitation.", "Click Resend."])}
                {steps("Review stale accounts", &[
                    "Go to Users.",
                    "In Last login, select Not in 90 days (or Never signed in).",
                    "Set Status to Active to leave out pending invitations and deactivated users.",
                    "Sort by Last Login to see the longest unused accounts first.",
                    "Deactivate the accounts that should no longer have access.",
                ])}
                {steps("Act on many users", &[
                    "Go to Users and filter the list to the people you want.",
                    "Tick the users, or the box in the header to select the whole page; then click Select all users matching this filter to include every page.",
                    "Click the action: Deactivate, Activate, Add role, Remove role, Revoke sessions, Resend invitation (for pending users) or Delete.",
                    "Read the preview: it says how many users will change and who will be left as they are, and why. Nothing has changed yet.",
                    "Confirm. For Delete, type the number of users first. Only the users in the preview are included, even if more match the filter later.",
                    "Watch the progress; Cancel stops it. For 15 minutes after it ends, Undo puts back everyone nobody changed since. Deleted users, ended sessions and sent invitations can't be brought back.",
                    "On Invitations, tick invitations the same way to Resend or Cancel several at once.",
                ])}
            </div>
            <h2>"What you'll see"</h2>
            {table("Users list", &["Column", "Type", "Description"], &[
                &["Name", "Text", "User's display name"],
                &["Email", "Email", "User's email address"],
                &["Role", "Badge", "Assigned role(s)"],
                &["Status", "Badge", "Active, Inactive, or Pending"],
                &["Last Login", "Timestamp", "When the user last signed in"],
                &["Actions", "Menu", "Edit, Deactivate, Delete"],
            ])}
            {table("Users filters", &["Filter", "Type", "Description"], &[
                &["Search", "Text", "Find users by name or email"],
                &["Status", "Select", "Filter by Active, Inactive, or Pending"],
                &["Role", "Select", "Filter by assigned role"],
                &["Last login", "Select", "Never signed in, or not in 30, 90, 180 or 365 days (including people who never signed in)"],
            ])}
            <p>"User profiles store personal and contact details for each user."</p>
            {table("Invitations", &["Field", "Type", "Description"], &[
                &["Email", "Email", "Invitee's email address"],
                &["Role", "Select", "Role to assign on acceptance"],
                &["Message", "Text", "Optional personal message"],
                &["Expires", "Timestamp", "When the invitation expires"],
            ])}
            {table("Invitation statuses", &["Status", "Description"], &[
                &["Pending", "Awaiting acceptance"],
                &["Accepted", "User completed registration"],
                &["Declined", "User declined the invitation"],
                &["Expired", "Past expiration date"],
                &["Cancelled", "Revoked by administrator"],
            ])}
            {table("Sessions", &["Column", "Type", "Description"], &[
                &["User", "Text", "User's name"],
                &["Device", "Text", "Browser and operating system"],
                &["IP Address", "Text", "Connection IP address"],
                &["Started", "Timestamp", "When the session began"],
                &["Last Active", "Timestamp", "Most recent activity"],
                &["Actions", "Button", "Revoke session"],
            ])}
            {table("Login attempts", &["Column", "Type", "Description"], &[
                &["Timestamp", "Timestamp", "When the attempt occurred"],
                &["IP Address", "Text", "Source IP address"],
                &["Status", "Badge", "Success or Failed"],
                &["Reason", "Text", "Failure reason (if applicable)"],
            ])}
            <p>"Sessions, Login Attempts, the Audit Log and Invitations update as things happen, without a refresh. On the first page, new rows appear at the top; on a later page, the rows you are reading stay where they are and a button such as “3 new — Show” takes you to the newest."</p>
            <h2>"Expected outcome"</h2>
            <ul>
                <li>"Users receive invitations and appear in the list with the correct status."</li>
                <li>"Role changes take effect after saving."</li>
                <li>"Revoked sessions end on the next refresh."</li>
            </ul>
            <h2>"Troubleshooting"</h2>
            <ul>
                <li><strong>"User not receiving invitation? "</strong>"Check spam folder. Verify email address is correct. Try resending."</li>
                <li><strong>"Can't edit a user? "</strong>"You may not have the required permissions. Contact your administrator."</li>
                <li><strong>"User shows as Pending? "</strong>"They haven't accepted their invitation yet."</li>
                <li><strong>"Session won't revoke? "</strong>"Refresh the page and try again."</li>
            </ul>
        </article>
    }
}
